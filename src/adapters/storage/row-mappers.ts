import type { Selectable } from 'kysely';
import type { ApprovalTicket, TicketStatus } from '../../core/approval/approval.js';
import type { Diagnostics } from '../../core/diagnostics/diagnostics.js';
import type { Environment } from '../../core/environment/environment.js';
import { DEFAULT_POLICY } from '../../core/policy/policy.js';
import type { PreviewRecord } from '../../core/preview/preview.js';
import type {
  ApprovalDecision,
  Channel,
  ExecutionStage,
  ReleaseKind,
  ReleaseRecord,
  ReleaseState,
  Runtime,
} from '../../core/release/release.js';
import type { TimelineEvent, TimelineEventType } from '../../core/audit/timeline-event.js';
import type { ConversationRecord, MessageRecord, ReleasePatch, TokenRecord } from '../../ports/store.js';
import type {
  ConversationMessagesTable,
  ConversationsTable,
  ApprovalDecisionsTable,
  ApprovalTicketsTable,
  DiagnosticsTable,
  EnvironmentsTable,
  PreviewsTable,
  ReleasesTable,
  TimelineEventsTable,
  TokensTable,
} from './database.tables.js';

// The one place where rows (snake_case, JSON text) become domain records (camelCase) and back.

const json = <T>(text: string): T => JSON.parse(text) as T;

export function environmentFromRow(row: Selectable<EnvironmentsTable>): Environment {
  return {
    name: row.name,
    runtime: row.runtime as Runtime,
    target: json(row.target),
    production: Boolean(row.production),
    approval: json(row.approval),
    previewTtlSeconds: row.preview_ttl_seconds,
    applyTimeoutSeconds: row.apply_timeout_seconds,
    freezeWindows: json(row.freeze_windows),
    policy: row.policy === null ? { ...DEFAULT_POLICY } : json(row.policy),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function environmentToRow(env: Environment): EnvironmentsTable {
  return {
    name: env.name,
    runtime: env.runtime,
    target: JSON.stringify(env.target),
    production: env.production ? 1 : 0,
    approval: JSON.stringify(env.approval),
    preview_ttl_seconds: env.previewTtlSeconds,
    apply_timeout_seconds: env.applyTimeoutSeconds,
    freeze_windows: JSON.stringify(env.freezeWindows),
    policy: JSON.stringify(env.policy),
    created_at: env.createdAt,
    updated_at: env.updatedAt,
  };
}

export function releaseFromRow(row: Selectable<ReleasesTable>): ReleaseRecord {
  return {
    id: row.id,
    application: row.application,
    environment: row.environment,
    runtime: row.runtime as Runtime,
    kind: row.kind as ReleaseKind,
    rollbackOf: row.rollback_of,
    rollbackTo: row.rollback_to,
    state: row.state as ReleaseState,
    spec: json(row.spec),
    parameters: json(row.parameters),
    renderedSpec: row.rendered_spec,
    description: row.description,
    draftRevision: row.draft_revision,
    draftDigest: row.draft_digest,
    channel: row.channel as Channel,
    conversationId: row.conversation_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ticketId: row.ticket_id,
    previewId: row.preview_id,
    execution: {
      stage: row.exec_stage as ExecutionStage,
      attempt: row.exec_attempt,
      startedAt: row.exec_started_at,
      finishedAt: row.exec_finished_at,
      message: row.exec_message,
    },
    runtimeState: row.runtime_state === null ? null : json(row.runtime_state),
    authors: row.authors === null ? [row.created_by] : json(row.authors),
  };
}

export function releaseToRow(r: ReleaseRecord): ReleasesTable {
  return {
    id: r.id,
    application: r.application,
    environment: r.environment,
    runtime: r.runtime,
    kind: r.kind,
    rollback_of: r.rollbackOf,
    rollback_to: r.rollbackTo,
    lease_owner: null,
    lease_expires_at: null,
    ...releasePatchToRow(r),
  } as ReleasesTable;
}

/** Only the columns a patch names. */
export function releasePatchToRow(p: ReleasePatch & Partial<ReleaseRecord>): Partial<ReleasesTable> {
  const row: Partial<ReleasesTable> = {};
  if (p.state !== undefined) row.state = p.state;
  if (p.spec !== undefined) row.spec = JSON.stringify(p.spec);
  if (p.parameters !== undefined) row.parameters = JSON.stringify(p.parameters);
  if (p.renderedSpec !== undefined) row.rendered_spec = p.renderedSpec;
  if (p.description !== undefined) row.description = p.description;
  if (p.draftRevision !== undefined) row.draft_revision = p.draftRevision;
  if (p.draftDigest !== undefined) row.draft_digest = p.draftDigest;
  if (p.channel !== undefined) row.channel = p.channel;
  if (p.conversationId !== undefined) row.conversation_id = p.conversationId;
  if (p.createdBy !== undefined) row.created_by = p.createdBy;
  if (p.createdAt !== undefined) row.created_at = p.createdAt;
  if (p.updatedAt !== undefined) row.updated_at = p.updatedAt;
  if (p.ticketId !== undefined) row.ticket_id = p.ticketId;
  if (p.previewId !== undefined) row.preview_id = p.previewId;
  if (p.execution !== undefined) {
    row.exec_stage = p.execution.stage;
    row.exec_attempt = p.execution.attempt;
    row.exec_started_at = p.execution.startedAt;
    row.exec_finished_at = p.execution.finishedAt;
    row.exec_message = p.execution.message;
  }
  if (p.authors !== undefined) row.authors = JSON.stringify(p.authors);
  if (p.runtimeState !== undefined) row.runtime_state = p.runtimeState === null ? null : JSON.stringify(p.runtimeState);
  return row;
}

export function previewFromRow(row: Selectable<PreviewsTable>): PreviewRecord {
  return {
    id: row.id,
    releaseId: row.release_id,
    draftRevision: row.draft_revision,
    draftDigest: row.draft_digest,
    liveDigest: row.live_digest,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    consumedAt: row.consumed_at,
    summary: json(row.summary),
    changes: json(row.changes),
    policy: row.policy === null ? { passed: true, violations: [] } : json(row.policy),
    policyDigest: row.policy_digest,
    createdBy: row.created_by,
    conversationId: row.conversation_id,
  };
}

export function previewToRow(p: PreviewRecord): PreviewsTable {
  return {
    id: p.id,
    release_id: p.releaseId,
    draft_revision: p.draftRevision,
    draft_digest: p.draftDigest,
    live_digest: p.liveDigest,
    token_hash: p.tokenHash,
    created_at: p.createdAt,
    expires_at: p.expiresAt,
    consumed_at: p.consumedAt,
    summary: JSON.stringify(p.summary),
    changes: JSON.stringify(p.changes),
    policy: JSON.stringify(p.policy),
    policy_digest: p.policyDigest,
    created_by: p.createdBy,
    conversation_id: p.conversationId,
  };
}

export function decisionFromRow(row: Selectable<ApprovalDecisionsTable>): ApprovalDecision {
  return { approver: row.approver, decision: row.decision as ApprovalDecision['decision'], comment: row.comment, at: row.at };
}

export function ticketFromRow(row: Selectable<ApprovalTicketsTable>, decisions: ApprovalDecision[]): ApprovalTicket {
  return {
    id: row.id,
    releaseId: row.release_id,
    application: row.application,
    environment: row.environment,
    status: row.status as TicketStatus,
    minApprovers: row.min_approvers,
    allowSelfApproval: Boolean(row.allow_self_approval),
    draftDigest: row.draft_digest,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    expiresAt: row.expires_at,
    closedAt: row.closed_at,
    decisions,
  };
}

export function ticketToRow(t: ApprovalTicket): ApprovalTicketsTable {
  return {
    id: t.id,
    release_id: t.releaseId,
    application: t.application,
    environment: t.environment,
    status: t.status,
    min_approvers: t.minApprovers,
    allow_self_approval: t.allowSelfApproval ? 1 : 0,
    draft_digest: t.draftDigest,
    requested_by: t.requestedBy,
    requested_at: t.requestedAt,
    expires_at: t.expiresAt,
    closed_at: t.closedAt,
  };
}

export function eventFromRow(row: Selectable<TimelineEventsTable>): TimelineEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    releaseId: row.release_id,
    type: row.type as TimelineEventType,
    at: row.at,
    actor: { type: row.actor_type as TimelineEvent['actor']['type'], id: row.actor_id },
    channel: row.channel as Channel,
    release: json(row.release_meta),
    data: json(row.data),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function eventToRow(e: TimelineEvent): TimelineEventsTable {
  return {
    seq: e.seq,
    id: e.id,
    release_id: e.releaseId,
    type: e.type,
    at: e.at,
    actor_type: e.actor.type,
    actor_id: e.actor.id,
    channel: e.channel,
    release_meta: JSON.stringify(e.release),
    data: JSON.stringify(e.data),
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

export function tokenFromRow(row: Selectable<TokensTable>): TokenRecord {
  return {
    id: row.id,
    subject: row.subject,
    tokenHash: row.token_hash,
    bindings: json(row.bindings),
    createdAt: row.created_at,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

export function tokenToRow(t: TokenRecord): TokensTable {
  return {
    id: t.id,
    subject: t.subject,
    token_hash: t.tokenHash,
    bindings: JSON.stringify(t.bindings),
    created_at: t.createdAt,
    created_by: t.createdBy,
    expires_at: t.expiresAt,
    revoked_at: t.revokedAt,
  };
}

export function diagnosticsFromRow(row: Selectable<DiagnosticsTable>): Diagnostics {
  return json(row.payload);
}

export function conversationFromRow(row: Selectable<ConversationsTable>): ConversationRecord {
  return { id: row.id, subject: row.subject, title: row.title, state: json(row.state), version: row.version, createdAt: row.created_at, updatedAt: row.updated_at };
}

export function conversationToRow(c: ConversationRecord): ConversationsTable {
  return { id: c.id, subject: c.subject, title: c.title, state: JSON.stringify(c.state), version: c.version, created_at: c.createdAt, updated_at: c.updatedAt };
}

export function messageFromRow(row: Selectable<ConversationMessagesTable>): MessageRecord {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    role: row.role as MessageRecord['role'],
    text: row.text,
    actions: json(row.actions),
    releaseId: row.release_id,
    at: row.at,
  };
}

export function messageToRow(m: MessageRecord): ConversationMessagesTable {
  return { id: m.id, conversation_id: m.conversationId, role: m.role, text: m.text, actions: JSON.stringify(m.actions), release_id: m.releaseId, at: m.at };
}
