import { environmentsWith } from '../core/access/access.js';
import { decide, isTicketExpired, type ApprovalTicket, type TicketStatus } from '../core/approval/approval.js';
import { ShipgateError, isShipgateError } from '../core/errors.js';
import type { ChangeSummary, PreviewRecord } from '../core/preview/preview.js';
import { redactText } from '../core/secrets/secret-masking.js';
import type { ReleaseRecord, ReleaseSummary } from '../core/release/release.js';
import type { StoreSession } from '../ports/store.js';
import type { AppContext } from './app-context.js';
import { missingFor, requirePermission, type Caller } from './caller.js';
import { recordRefusal } from './refusals.js';

/** A ticket of the global queue as the API shows it. */
export interface ApprovalView extends Omit<ApprovalTicket, 'allowSelfApproval' | 'closedAt'> {
  /** What the release would change, from the preview it was submitted with. */
  summary: ChangeSummary | null;
  releaseState: ReleaseRecord['state'];
  description: string | null;
}

export interface DecisionInput {
  decision: 'approve' | 'reject';
  comment?: string;
}

/** The global approval queue and decisions on it. */
export class ApprovalUseCases {
  constructor(private readonly ctx: AppContext) {}

  async list(caller: Caller, input: { status?: TicketStatus; limit?: number }): Promise<{ items: ApprovalView[] }> {
    await this.expireDue();
    const tickets = await this.ctx.store.approvals.list({
      readable: environmentsWith(caller.principal, 'deployment:read'),
      status: input.status,
      limit: input.limit ?? 100,
    });
    // A page's releases (summaries: no specs) and previews in two queries, not two per ticket.
    const releases = new Map((await this.ctx.store.releases.summaries(tickets.map((t) => t.releaseId))).map((r) => [r.id, r]));
    const previewIds = [...releases.values()].map((r) => r.previewId).filter((id): id is string => id !== null);
    const previews = new Map((await this.ctx.store.previews.summaries(previewIds)).map((p) => [p.id, p]));
    const secrets = await this.secretsOf([...releases.values()].filter((r) => r.description !== null));
    return {
      items: tickets.map((t) => {
        const release = releases.get(t.releaseId) ?? null;
        const preview = (release?.previewId && previews.get(release.previewId)) || null;
        return this.viewOf(t, release, preview, (release && secrets.get(release.draftDigest)) ?? []);
      }),
    };
  }

  /**
   * The secrets of these releases' drafts, by digest: those remembered, and in one more query the drafts of the rest
   * (read whole only then: their secrets are found in the spec and parameters).
   */
  private async secretsOf(releases: ReleaseSummary[]): Promise<Map<string, readonly string[]>> {
    const secrets = new Map<string, readonly string[]>();
    const unknown: string[] = [];
    for (const r of releases) {
      const known = this.ctx.secrets.known(r.draftDigest);
      if (known) secrets.set(r.draftDigest, known);
      else unknown.push(r.id);
    }
    for (const release of await this.ctx.store.releases.getMany(unknown)) secrets.set(release.draftDigest, this.ctx.secrets.of(release));
    return secrets;
  }

  async get(caller: Caller, id: string): Promise<ApprovalView> {
    const ticket = await this.ctx.store.approvals.get(id);
    if (!ticket) throw missingFor(caller, 'deployment:read', `approval ${id}`);
    requirePermission(caller, 'deployment:read', ticket.environment);
    return this.view(this.ctx.store, ticket);
  }

  private async view(session: StoreSession, ticket: ApprovalTicket): Promise<ApprovalView> {
    const release = await session.releases.get(ticket.releaseId);
    const preview = release?.previewId ? await session.previews.get(release.previewId) : null;
    return this.viewOf(ticket, release, preview, release ? this.ctx.secrets.of(release) : []);
  }

  private viewOf(
    ticket: ApprovalTicket,
    release: ReleaseSummary | null,
    preview: Pick<PreviewRecord, 'summary'> | null,
    secrets: readonly string[],
  ): ApprovalView {
    // Named field by field: what the queue shows is chosen here, never whatever else a ticket carries.
    return {
      id: ticket.id,
      releaseId: ticket.releaseId,
      application: ticket.application,
      environment: ticket.environment,
      status: isTicketExpired(ticket, this.ctx.clock.now()) ? 'expired' : ticket.status,
      minApprovers: ticket.minApprovers,
      draftDigest: ticket.draftDigest,
      requestedBy: ticket.requestedBy,
      requestedAt: ticket.requestedAt,
      expiresAt: ticket.expiresAt,
      decisions: ticket.decisions,
      summary: preview?.summary ?? null,
      releaseState: release?.state ?? 'draft',
      description: release?.description ? redactText(release.description, secrets) : null,
    };
  }

  /**
   * Records one approver's decision. Needs `deployment:approve` on the ticket's environment; refusals (no
   * permission, self-approval, a second decision, a closed ticket) are written to the release's timeline.
   */
  async decide(caller: Caller, ticketId: string, input: DecisionInput): Promise<ApprovalView> {
    const ticket = await this.ctx.store.approvals.get(ticketId);
    if (!ticket) throw missingFor(caller, 'deployment:approve', `approval ${ticketId}`);
    const release = await this.ctx.store.releases.get(ticket.releaseId);
    if (!release) throw new ShipgateError('NOT_FOUND', `release ${ticket.releaseId} not found`);
    try {
      requirePermission(caller, 'deployment:approve', ticket.environment);
      if (isTicketExpired(ticket, this.ctx.clock.now())) await this.expire(ticket.id);
      // Told to the metrics once the decision is committed.
      let decided = null as { outcome: 'approved' | 'rejected'; seconds: number } | null;
      const view = await this.ctx.write([release.id], async (tx) => {
        // Locking the ticket row queues concurrent decisions, so each is counted exactly once.
        const locked = await tx.approvals.get(ticketId, { lock: true });
        const current = await tx.releases.get(ticket.releaseId);
        if (!locked || !current) throw new ShipgateError('NOT_FOUND', `approval ${ticketId} not found`);
        const at = this.ctx.nowIso();
        const outcome = decide(
          locked,
          current,
          { approver: caller.principal.subject, decision: input.decision, comment: input.comment ?? '', at },
          this.ctx.clock.now(),
        );
        await tx.approvals.addDecision(locked.id, outcome.decision);
        const ev = this.ctx.events.for(current, caller);
        const events = [
          ev.make(input.decision === 'approve' ? 'approval.approved' : 'approval.rejected', {
            ticketId: locked.id,
            approver: outcome.decision.approver,
            comment: outcome.decision.comment,
            approvals: outcome.approvals,
            minApprovers: locked.minApprovers,
            ticketStatus: outcome.status,
          }),
        ];
        if (outcome.status !== 'pending') {
          await tx.approvals.setStatus(locked.id, 'pending', outcome.status, at);
          const command = outcome.status === 'approved' ? 'approve' : 'reject';
          decided = {
            outcome: command === 'approve' ? 'approved' : 'rejected',
            seconds: (Date.parse(at) - Date.parse(locked.requestedAt)) / 1000,
          };
          const moved = await this.ctx.transitions.move(tx, current, command, {
            by: caller,
            lostRace: 'conflict',
            patch: { updatedAt: at },
          });
          if (moved?.stateEvent) events.push(moved.stateEvent);
        }
        await tx.timeline.append(events);
        const after = await tx.approvals.get(locked.id);
        return this.view(tx, after as ApprovalTicket);
      });
      if (decided) this.ctx.metrics.approvalDecided(decided);
      return view;
    } catch (error) {
      if (isShipgateError(error) && error.code !== 'NOT_FOUND') {
        await recordRefusal(this.ctx, caller, release, 'approval.denied', error, { ticketId, decision: input.decision });
      }
      throw error;
    }
  }

  /** Closes every pending ticket past its expiry; their releases become `rejected`. */
  async expireDue(): Promise<number> {
    const due = await this.ctx.store.approvals.expired(this.ctx.nowIso(), 100);
    for (const ticket of due) await this.expire(ticket.id);
    return due.length;
  }

  private async expire(ticketId: string): Promise<void> {
    const releaseIds: string[] = [];
    await this.ctx.write(releaseIds, async (tx) => {
      const ticket = await tx.approvals.get(ticketId, { lock: true });
      if (!ticket || !isTicketExpired(ticket, this.ctx.clock.now())) return;
      const release = await tx.releases.get(ticket.releaseId);
      if (!release) return;
      releaseIds.push(release.id);
      const at = this.ctx.nowIso();
      if (!(await tx.approvals.setStatus(ticket.id, 'pending', 'expired', at))) return;
      const ev = this.ctx.events.for(release, null);
      const events = [ev.make('approval.expired', { ticketId: ticket.id, expiresAt: ticket.expiresAt })];
      if (release.ticketId === ticket.id) {
        const moved = await this.ctx.transitions.move(tx, release, 'expireApproval', {
          by: null,
          lostRace: 'skip',
          patch: { updatedAt: at },
        });
        if (moved?.stateEvent) events.push(moved.stateEvent);
      }
      await tx.timeline.append(events);
    });
  }
}
