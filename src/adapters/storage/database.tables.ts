import type { Generated } from 'kysely';

/** Row shapes of Shipgate's tables, as the database holds them (snake_case, JSON as text, booleans as 0/1). */
export interface EnvironmentsTable {
  name: string;
  runtime: string;
  target: string;
  production: number;
  approval: string;
  preview_ttl_seconds: number;
  apply_timeout_seconds: number;
  freeze_windows: string;
  /** JSON; null on environments made before policies: the baseline. */
  policy: string | null;
  /** JSON promotion rule; null when releases may be made directly. */
  promotion: string | null;
  /** JSON verification policy; null when none. */
  verification: string | null;
  created_at: string;
  updated_at: string;
}

export interface ReleasesTable {
  id: string;
  application: string;
  environment: string;
  runtime: string;
  kind: string;
  rollback_of: string | null;
  rollback_to: string | null;
  state: string;
  spec: string;
  parameters: string;
  rendered_spec: string;
  description: string | null;
  draft_revision: number;
  draft_digest: string;
  channel: string;
  conversation_id: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  ticket_id: string | null;
  preview_id: string | null;
  exec_stage: string;
  exec_attempt: number;
  exec_started_at: string | null;
  exec_finished_at: string | null;
  exec_message: string | null;
  runtime_state: string | null;
  /** JSON list of subjects; null on releases made before it was kept. */
  authors: string | null;
  /** JSON provenance of a promoted release. */
  provenance: string | null;
  exec_verify_until: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
}

export interface PreviewsTable {
  id: string;
  release_id: string;
  draft_revision: number;
  draft_digest: string;
  live_digest: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
  consumed_at: string | null;
  summary: string;
  changes: string;
  policy: string | null;
  policy_digest: string | null;
  /** Who made the preview and in which command-center conversation (null on previews made before they were kept). */
  created_by: string | null;
  conversation_id: string | null;
}

export interface ApprovalTicketsTable {
  id: string;
  release_id: string;
  application: string;
  environment: string;
  status: string;
  min_approvers: number;
  allow_self_approval: number;
  draft_digest: string;
  requested_by: string;
  requested_at: string;
  expires_at: string;
  closed_at: string | null;
}

export interface ApprovalDecisionsTable {
  ticket_id: string;
  approver: string;
  decision: string;
  comment: string;
  at: string;
}

export interface TimelineEventsTable {
  seq: number;
  id: string;
  release_id: string;
  type: string;
  at: string;
  actor_type: string;
  actor_id: string;
  channel: string;
  release_meta: string;
  data: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
  /** Moved by every webhook subscription made or deleted (see the webhook repository). */
  webhooks_version: Generated<number>;
}

export interface TokensTable {
  id: string;
  subject: string;
  token_hash: string;
  bindings: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface RoleMappingsTable {
  position: number;
  issuer: string | null;
  claim: string;
  value: string;
  role: string;
  environments: string;
}

export interface SessionsTable {
  id: string;
  secret_hash: string;
  csrf: string;
  issuer: string;
  subject: string;
  claims: string;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
}

export interface SignInsTable {
  key_hash: string;
  state: string;
  nonce: string;
  code_verifier: string;
  next: string;
  expires_at: string;
}

export interface DiagnosticsTable {
  release_id: string;
  collected_at: string;
  payload: string;
}

export interface ConversationsTable {
  id: string;
  subject: string;
  title: string;
  state: string;
  created_at: string;
  updated_at: string;
  /** Bumped by every state write: the compare-and-set guard. */
  version: number;
}

export interface ConversationMessagesTable {
  id: string;
  conversation_id: string;
  role: string;
  text: string;
  actions: string;
  release_id: string | null;
  at: string;
}

/** The last drift check of one application in one environment. */
export interface DriftResultsTable {
  environment: string;
  application: string;
  release_id: string;
  status: string;
  /** Compared-and-set by each new result: a drift is told once per fingerprint. */
  fingerprint: string;
  /** JSON changes, secrets masked. */
  changes: string;
  message: string | null;
  checked_at: string;
}

/** A webhook subscription; `secret` signs its messages and is never returned after creation. */
export interface WebhooksTable {
  id: string;
  url: string;
  /** JSON list of timeline event types. */
  events: string;
  /** JSON list of environment names, or ["*"]. */
  environments: string;
  format: string;
  secret: string;
  created_at: string;
  created_by: string;
}

/** The outbox: one message to one subscription, leased by the process attempting it. */
export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event_type: string;
  event_seq: number | null;
  /** The JSON body, fixed when queued. */
  payload: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
}

export interface RateLimitsTable {
  key: string;
  /** Epoch milliseconds (a PostgreSQL bigint reads back as a string). */
  window_ends_at: number | string;
  count: number;
}

export interface Database {
  conversations: ConversationsTable;
  conversation_messages: ConversationMessagesTable;
  environments: EnvironmentsTable;
  releases: ReleasesTable;
  previews: PreviewsTable;
  approval_tickets: ApprovalTicketsTable;
  approval_decisions: ApprovalDecisionsTable;
  timeline_events: TimelineEventsTable;
  audit_head: AuditHeadTable;
  tokens: TokensTable;
  diagnostics: DiagnosticsTable;
  drift_results: DriftResultsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  role_mappings: RoleMappingsTable;
  sessions: SessionsTable;
  sign_ins: SignInsTable;
  rate_limits: RateLimitsTable;
}
