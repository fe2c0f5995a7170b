import type { ApiClient, Connection } from './api-client.js';
import type { ApprovalList, Diagnostics, EnvironmentList, Me, PreviewResponse, Release, ReleaseList, TimelinePage } from './api-types.js';
import { saveConnection } from './cli-config.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import type { Output } from './output.js';
import { printDiagnostics, printPreview, releaseLine } from './render.js';

const enc = encodeURIComponent;

/** The commands besides `deploy`: each one API call or two, printed for people or as one JSON document. */
export class Commands {
  constructor(
    private readonly client: () => ApiClient,
    private readonly out: Output,
  ) {}

  async login(connection: Connection, makeClient: (c: Connection) => ApiClient): Promise<ExitCode> {
    const me = await makeClient(connection).get<Me>('/me');
    const path = saveConnection(connection);
    if (this.out.json) this.out.document({ subject: me.subject, url: connection.url, config: path });
    else this.out.line(`logged in to ${connection.url} as ${me.subject}; kept in ${path} (readable by you only)`);
    return EXIT.ok;
  }

  async whoami(): Promise<ExitCode> {
    const me = await this.client().get<Me>('/me');
    if (this.out.json) this.out.document(me);
    else {
      this.out.line(me.subject);
      for (const b of me.bindings) this.out.line(`  ${b.role} on ${b.environments.join(', ')}`);
    }
    return EXIT.ok;
  }

  async envs(): Promise<ExitCode> {
    const list = await this.client().get<EnvironmentList>('/environments');
    if (this.out.json) this.out.document(list);
    else {
      for (const e of list.items) {
        const approval = e.approval.required ? `${e.approval.minApprovers} approval(s)` : 'no approval';
        const promotion = e.promotion ? `, promotions from ${e.promotion.from}` : '';
        this.out.line(`${e.name}  ${e.runtime}  ${approval}${promotion}`);
      }
    }
    return EXIT.ok;
  }

  async list(filter: { environment?: string; application?: string; state?: string; limit?: string }): Promise<ExitCode> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v) query.set(k, v);
    const list = await this.client().get<ReleaseList>(`/releases?${query.toString()}`);
    if (this.out.json) this.out.document(list);
    else for (const r of list.items) this.out.line(releaseLine(r));
    return EXIT.ok;
  }

  async show(id: string): Promise<ExitCode> {
    const r = await this.client().get<Release>(`/releases/${enc(id)}`);
    if (this.out.json) this.out.document(r);
    else {
      this.out.line(releaseLine(r));
      if (r.description) this.out.line(`  ${r.description}`);
      if (r.execution.message) this.out.line(`  ${r.execution.message}`);
      if (r.provenance) {
        this.out.line(
          `  promoted from ${r.provenance.environment} (release ${r.provenance.releaseId}, succeeded ${r.provenance.succeededAt})`,
        );
        for (const i of r.provenance.images) this.out.line(`    ${i.resource}: ${i.ref} → ${i.pinned}`);
      }
      this.out.line(`  ${this.client().releaseLink(r.id)}`);
    }
    return EXIT.ok;
  }

  async timeline(id: string): Promise<ExitCode> {
    const page = await this.client().get<TimelinePage>(`/releases/${enc(id)}/timeline?limit=500`);
    if (this.out.json) this.out.document(page);
    else
      for (const e of page.items)
        this.out.line(`${String(e.seq).padStart(6)} ${e.at} ${e.type} by ${e.actor.type}/${e.actor.id} via ${e.channel}`);
    return EXIT.ok;
  }

  async diagnose(id: string): Promise<ExitCode> {
    const d = await this.client().get<Diagnostics>(`/releases/${enc(id)}/diagnostics`);
    if (this.out.json) this.out.document(d);
    else printDiagnostics(this.out, d);
    return EXIT.ok;
  }

  async cancel(id: string): Promise<ExitCode> {
    return this.released(await this.client().post<Release>(`/releases/${enc(id)}/cancel`));
  }

  async preview(id: string): Promise<ExitCode> {
    const res = await this.client().post<PreviewResponse>(`/releases/${enc(id)}/preview`);
    if (this.out.json) this.out.document(res);
    else {
      printPreview(this.out, res.preview);
      this.out.line(`preview token: ${res.preview.token}`);
    }
    return EXIT.ok;
  }

  /** Submit or apply with a preview token; without one the server's 428 PREVIEW_MISSING ends it with 3. */
  async step(step: 'submit' | 'apply', id: string, previewToken: string | undefined): Promise<ExitCode> {
    const body = previewToken ? { previewToken } : {};
    return this.released(await this.client().post<Release>(`/releases/${enc(id)}/${step}`, body));
  }

  async approvals(): Promise<ExitCode> {
    const list = await this.client().get<ApprovalList>('/approvals?status=pending');
    if (this.out.json) this.out.document(list);
    else {
      if (list.items.length === 0) this.out.line('nothing waits for approval');
      for (const t of list.items) {
        const given = t.decisions.filter((d) => d.decision === 'approve').length;
        this.out.line(
          `${t.releaseId}  ${t.application} → ${t.environment}  ${given}/${t.minApprovers}  by ${t.requestedBy}, expires ${t.expiresAt}`,
        );
      }
    }
    return EXIT.ok;
  }

  /** Approves or rejects the ticket of a release (or a ticket named by its own id). */
  async decide(decision: 'approve' | 'reject', id: string, comment: string | undefined): Promise<ExitCode> {
    const client = this.client();
    let ticketId = id;
    const release = await client.get<Release>(`/releases/${enc(id)}`).catch((error: unknown) => {
      if (error instanceof CliError && (error.exitCode === EXIT.usage || error.exitCode === EXIT.refused)) return null;
      throw error;
    });
    if (release) {
      if (!release.approval.ticketId) throw new CliError(`release ${id} has no approval request`, EXIT.refused, 'INVALID_STATE');
      ticketId = release.approval.ticketId;
    }
    const ticket = await client.post<Record<string, unknown>>(`/approvals/${enc(ticketId)}/decision`, {
      decision,
      ...(comment ? { comment } : {}),
    });
    if (this.out.json) this.out.document(ticket);
    else this.out.line(`${decision === 'approve' ? 'approved' : 'rejected'}: ticket ${ticketId} is ${String(ticket['status'])}`);
    return EXIT.ok;
  }

  /** Drafts and previews the rollback of an application to its last good release (or `to`); applying stays a step. */
  async rollback(application: string, environment: string, to: string | undefined): Promise<ExitCode> {
    const client = this.client();
    const query = `application=${enc(application)}&environment=${enc(environment)}&limit=50`;
    const source = (await client.get<ReleaseList>(`/releases?${query}`)).items.find((r) =>
      ['succeeded', 'failed', 'interrupted'].includes(r.state),
    );
    if (!source) throw new CliError(`no release of ${application} in ${environment} to roll back`, EXIT.usage);
    const rollback = await client.post<Release>(`/releases/${source.id}/rollback`, to ? { toReleaseId: to } : {});
    const { preview } = await client.post<PreviewResponse>(`/releases/${rollback.id}/preview`);
    if (this.out.json) this.out.document({ release: rollback, preview });
    else {
      this.out.line(`drafted rollback ${rollback.id} of ${application} in ${environment} to release ${rollback.rollbackTo ?? ''}`);
      printPreview(this.out, preview);
      const next = rollback.approval.status === 'not_required' ? 'apply' : 'submit';
      this.out.line(`next: shipgate ${next} ${rollback.id} --preview-token ${preview.token}`);
    }
    return EXIT.ok;
  }

  async promote(id: string, environment: string, params: Record<string, string>): Promise<ExitCode> {
    const r = await this.client().post<Release>(`/releases/${enc(id)}/promote`, { environment, parameters: params, channel: 'cli' });
    if (this.out.json) this.out.document(r);
    else {
      this.out.line(`drafted promotion ${r.id} of ${r.application} to ${r.environment} from release ${id}`);
      for (const i of r.provenance?.images ?? []) this.out.line(`  ${i.resource}: ${i.ref} pinned to ${i.pinned}`);
      this.out.line(`next: shipgate preview ${r.id}   (${this.client().releaseLink(r.id)})`);
    }
    return EXIT.ok;
  }

  async auditVerify(): Promise<ExitCode> {
    const result = await this.client().post<{ ok: boolean; reason?: string; checked: number }>('/audit/verify', {});
    if (this.out.json) this.out.document(result);
    else
      this.out.line(result.ok ? `the audit chain holds (${result.checked} events)` : `the audit chain is broken: ${result.reason ?? ''}`);
    return result.ok ? EXIT.ok : EXIT.releaseFailed;
  }

  /** Writes the timeline as NDJSON to stdout, as the server sends it. */
  async auditExport(after: string | undefined): Promise<ExitCode> {
    const response = await this.client().raw('GET', `/audit/export${after ? `?after=${enc(after)}` : ''}`);
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) process.stdout.write(chunk);
    return EXIT.ok;
  }

  private released(r: Release): ExitCode {
    if (this.out.json) this.out.document(r);
    else this.out.line(releaseLine(r));
    return EXIT.ok;
  }
}
