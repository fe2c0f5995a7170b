import { approvalRequiredFor, releaseApprovalStatus, type ApprovalTicket } from '../core/approval/approval.js';
import type { Environment } from '../core/environment/environment.js';
import type { PreviewRecord } from '../core/preview/preview.js';
import { maskParameters, redactText } from '../core/secrets/secret-masking.js';
import type { Release, ReleaseRecord } from '../core/release/release.js';
import type { StoreSession } from '../ports/store.js';

/** The normalized release the API shows: lifecycle state, runtime, approval status and execution stage. */
export function releaseView(
  record: ReleaseRecord,
  environment: Environment | null,
  ticket: ApprovalTicket | null,
  preview: Pick<PreviewRecord, 'id' | 'draftRevision' | 'expiresAt' | 'consumedAt'> | null,
  now: Date,
  /** The secrets the release carries, masked wherever they would show. */
  secrets: readonly string[],
): Release {
  const required = environment ? approvalRequiredFor(environment.approval, record.kind) : false;
  const current = ticket && ticket.status !== 'void' ? ticket : null;
  return {
    id: record.id,
    application: record.application,
    environment: record.environment,
    runtime: record.runtime,
    kind: record.kind,
    rollbackOf: record.rollbackOf,
    rollbackTo: record.rollbackTo,
    promotedFrom: record.provenance?.releaseId ?? null,
    provenance: record.provenance,
    state: record.state,
    approval: {
      status: releaseApprovalStatus(required || current !== null, current, now),
      ticketId: current?.id ?? null,
      minApprovers: current?.minApprovers ?? environment?.approval.minApprovers ?? 1,
      decisions: current?.decisions ?? [],
    },
    execution: { ...record.execution },
    preview: preview
      ? { id: preview.id, draftRevision: preview.draftRevision, expiresAt: preview.expiresAt, consumed: preview.consumedAt !== null }
      : null,
    draftRevision: record.draftRevision,
    draftDigest: record.draftDigest,
    parameters: maskParameters(record.parameters, secrets),
    description: record.description === null ? null : redactText(record.description, secrets),
    channel: record.channel,
    conversationId: record.conversationId,
    createdBy: record.createdBy,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/**
 * The normalized view of a stored release, read through `session` with its environment, ticket and preview summary (a
 * preview's diff, which can be large, is never read for it).
 */
export async function storedReleaseView(
  session: StoreSession,
  release: ReleaseRecord,
  now: Date,
  secrets: readonly string[],
): Promise<Release> {
  const [view] = await storedReleaseViews(session, [release], now, () => secrets);
  return view!;
}

/**
 * The views of a page of stored releases, read through `session` with one query per environment on the page and two
 * for all their tickets and previews (not three per release).
 */
export async function storedReleaseViews(
  session: StoreSession,
  releases: readonly ReleaseRecord[],
  now: Date,
  secretsOf: (release: ReleaseRecord) => readonly string[],
): Promise<Release[]> {
  if (releases.length === 0) return [];
  const idsOf = (pick: (r: ReleaseRecord) => string | null) => releases.map(pick).filter((id): id is string => id !== null);
  const [environments, tickets, previews] = await Promise.all([
    Promise.all([...new Set(releases.map((r) => r.environment))].map((name) => session.environments.get(name))),
    session.approvals.getMany(idsOf((r) => r.ticketId)),
    session.previews.summaries(idsOf((r) => r.previewId)),
  ]);
  const environmentOf = new Map(environments.filter((e) => e !== null).map((e) => [e.name, e]));
  const ticketOf = new Map(tickets.map((t) => [t.id, t]));
  const previewOf = new Map(previews.map((p) => [p.id, p]));
  return releases.map((r) =>
    releaseView(
      r,
      environmentOf.get(r.environment) ?? null,
      (r.ticketId && ticketOf.get(r.ticketId)) || null,
      (r.previewId && previewOf.get(r.previewId)) || null,
      now,
      secretsOf(r),
    ),
  );
}
