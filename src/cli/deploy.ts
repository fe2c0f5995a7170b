import { readFileSync } from 'node:fs';
import type { ApiClient } from './api-client.js';
import type { Diagnostics, Environment, Preview, PreviewResponse, Release, ReleaseList } from './api-types.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import type { Output } from './output.js';
import { followRelease, isTerminal } from './release-follower.js';
import { eventLine, printDiagnostics, printPreview } from './render.js';

export interface DeployOptions {
  environment: string;
  file?: string;
  params: Record<string, string>;
  fromLast: boolean;
  description?: string;
  /** False with `--no-apply`: draft, preview (and submit where approval is required), then stop. */
  apply: boolean;
  /** Wait for the approval when one is required. */
  wait: boolean;
  timeoutMs: number;
}

const enc = encodeURIComponent;

/**
 * The pipeline's one step: draft (from a file, or from the last release with new parameters) → preview → submit
 * where approval is required (then, with `--wait`, wait for it on the release's stream) → apply → follow the
 * rollout → diagnostics on failure. Resolves with the exit code; `--timeout` ends it with 4 and leaves the release
 * as it is.
 */
export async function deploy(client: ApiClient, out: Output, application: string, options: DeployOptions): Promise<ExitCode> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let release: Release | null = null;
  let preview: Preview | null = null;
  try {
    const env = await client.get<Environment>(`/environments/${enc(options.environment)}`);
    const spec = options.file ? specOf(env, options.file) : undefined;
    let fromReleaseId: string | undefined;
    if (options.fromLast) {
      const query = `application=${enc(application)}&environment=${enc(env.name)}&limit=1`;
      const last = (await client.get<ReleaseList>(`/releases?${query}`)).items[0];
      if (!last) throw new CliError(`there is no release of ${application} in ${env.name} to start from`, EXIT.usage);
      fromReleaseId = last.id;
    }
    if (!spec && !fromReleaseId)
      throw new CliError('give the spec with -f <file>, or start from the last release with --from-last', EXIT.usage);
    release = await client.post<Release>('/releases', {
      application,
      environment: env.name,
      ...(spec ? { spec } : {}),
      ...(fromReleaseId ? { fromReleaseId } : {}),
      parameters: options.params,
      ...(options.description ? { description: options.description } : {}),
      channel: 'cli',
    });
    out.line(`drafted release ${release.id} of ${application} for ${env.name}: ${client.releaseLink(release.id)}`);
    preview = (await client.post<PreviewResponse>(`/releases/${release.id}/preview`)).preview;
    printPreview(out, preview);

    if (release.approval.status !== 'not_required') {
      release = await client.post<Release>(`/releases/${release.id}/submit`, { previewToken: preview.token });
      out.line(
        `waiting for ${release.approval.minApprovers} approval(s) by an approver of ${env.name} other than you: ` +
          `${client.releaseLink(release.id)} (or \`shipgate approve ${release.id}\`)`,
      );
      if (!options.apply || !options.wait) {
        if (options.apply) out.line('not waiting (no --wait): apply it once approved with `shipgate deploy … --wait` or from the page');
        return done(out, EXIT.ok, release, preview);
      }
      out.waiting(`waiting for approval of ${application} → ${env.name}`);
      release = await followRelease(client, release.id, {
        until: (r) => r.state !== 'pending_approval',
        onEvent: (e) => print(out, eventLine(e)),
        signal: deadline,
      });
      out.waiting(null);
      if (release.state !== 'approved') {
        out.line(`the release was not approved: it is ${release.state} (approval ${release.approval.status})`);
        return done(out, EXIT.releaseFailed, release, preview);
      }
      out.line('approved');
    } else if (!options.apply) {
      return done(out, EXIT.ok, release, preview);
    }

    release = await applyWithFreshPreview(client, out, release, preview, (next) => (preview = next));
    out.line(`applying ${application} to ${env.name}`);
    out.waiting(`applying ${application} → ${env.name}`);
    release = await followRelease(client, release.id, {
      until: isTerminal,
      onEvent: (e) => print(out, eventLine(e)),
      onRelease: (r) => out.waiting(`${r.state}: ${r.execution.stage}`),
      signal: deadline,
    });
    out.waiting(null);
    if (release.state === 'succeeded') {
      out.line(`succeeded: ${release.execution.message ?? ''}`);
      return done(out, EXIT.ok, release, preview);
    }
    out.line(`${release.state}: ${release.execution.message ?? ''}`);
    const diagnostics = await client.get<Diagnostics>(`/releases/${release.id}/diagnostics`).catch(() => null);
    if (diagnostics) printDiagnostics(out, diagnostics);
    return done(out, EXIT.releaseFailed, release, preview, diagnostics);
  } catch (error) {
    out.waiting(null);
    if (deadline.aborted) {
      const where = release
        ? `release ${release.id} is left as it is (${(await stateOf(client, release.id)) ?? release.state})`
        : 'nothing was drafted';
      throw new CliError(`timed out after ${Math.round(options.timeoutMs / 1000)}s; ${where}`, EXIT.timedOut);
    }
    throw error;
  }
}

/**
 * Applies with the preview the release was checked with; when that preview expired or what runs changed while the
 * release waited for approval, previews again (the approval holds: it is bound to the draft) and shows the new diff.
 */
async function applyWithFreshPreview(
  client: ApiClient,
  out: Output,
  release: Release,
  preview: Preview,
  replaced: (preview: Preview) => void,
): Promise<Release> {
  try {
    return await client.post<Release>(`/releases/${release.id}/apply`, { previewToken: preview.token });
  } catch (error) {
    const reason = error instanceof CliError ? error.problem?.['reason'] : null;
    if (reason !== 'PREVIEW_EXPIRED' && reason !== 'PREVIEW_STALE') throw error;
    out.line(`the preview is ${reason === 'PREVIEW_EXPIRED' ? 'expired' : 'stale'}: previewing again`);
    const fresh = (await client.post<PreviewResponse>(`/releases/${release.id}/preview`)).preview;
    printPreview(out, fresh);
    replaced(fresh);
    return client.post<Release>(`/releases/${release.id}/apply`, { previewToken: fresh.token });
  }
}

function specOf(env: Environment, file: string): { compose: string } | { manifests: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.usage);
  }
  return env.runtime === 'compose' ? { compose: text } : { manifests: text };
}

async function stateOf(client: ApiClient, id: string): Promise<string | null> {
  return client
    .get<Release>(`/releases/${id}`)
    .then((r) => r.state)
    .catch(() => null);
}

function print(out: Output, line: string | null): void {
  if (line) out.line(line);
}

function done(out: Output, code: ExitCode, release: Release, preview: Preview | null, diagnostics: Diagnostics | null = null): ExitCode {
  if (out.json) {
    const shown = preview ? { id: preview.id, summary: preview.summary, changes: preview.changes, policy: preview.policy } : null;
    out.document({ release, preview: shown, diagnostics, exitCode: code });
  }
  return code;
}
