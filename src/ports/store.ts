import type { ApprovalTicket, TicketStatus } from '../core/approval/approval.js';
import type { Principal } from '../core/access/access.js';
import type { RoleMapping } from '../core/access/role-mapping.js';
import type { Diagnostics } from '../core/diagnostics/diagnostics.js';
import type { DriftRecord } from '../core/drift/drift.js';
import type { Environment } from '../core/environment/environment.js';
import type { AppliedRelease } from '../core/insights/insights.js';
import type { PreviewRecord, PreviewSummary } from '../core/preview/preview.js';
import type { ApprovalDecision, ExecutionStage, ReleaseRecord, ReleaseState, ReleaseSummary } from '../core/release/release.js';
import type { NewTimelineEvent, TimelineEvent } from '../core/audit/timeline-event.js';
import type { WebhookDelivery, WebhookSubscription } from '../core/webhooks/webhook.js';

/** The fields of a release a state change may set besides the state. */
export type ReleasePatch = Partial<
  Pick<
    ReleaseRecord,
    | 'state'
    | 'spec'
    | 'parameters'
    | 'renderedSpec'
    | 'description'
    | 'draftRevision'
    | 'draftDigest'
    | 'ticketId'
    | 'previewId'
    | 'execution'
    | 'runtimeState'
    | 'authors'
    | 'updatedAt'
  >
>;

export interface ReleaseQuery {
  /** The environments the caller may read; `'all'` for no restriction. */
  readable: 'all' | string[];
  environment?: string;
  application?: string;
  state?: ReleaseState;
  limit: number;
  /** Only releases older than this id (ids are time-ordered). */
  beforeId?: string;
}

/** Which applied releases insights count: those whose apply finished at or after `finishedFrom`. */
export interface AppliedReleaseQuery {
  /** The environments the caller may read; `'all'` for no restriction. */
  readable: 'all' | string[];
  environment?: string;
  application?: string;
  finishedFrom: string;
}

/** How many releases of an environment are in a state and at an execution stage. */
export interface ReleaseCount {
  environment: string;
  state: ReleaseState;
  stage: ExecutionStage;
  count: number;
}

export interface ReleaseRepository {
  insert(release: ReleaseRecord): Promise<void>;
  get(id: string): Promise<ReleaseRecord | null>;
  /** The releases of these ids that exist, in no particular order (one query for a page of views). */
  getMany(ids: readonly string[]): Promise<ReleaseRecord[]>;
  /** The summaries of the releases of these ids that exist, in no particular order (reads none of their specs). */
  summaries(ids: readonly string[]): Promise<ReleaseSummary[]>;
  /**
   * Compare-and-set: applies `patch` only while the release is in `expected` (and, with `leaseExpiredAt`, only while
   * nobody holds a lease on it that is still good at that instant). False when it was not.
   */
  compareAndSet(id: string, expected: ReleaseState, patch: ReleasePatch, condition?: { leaseExpiredAt: string }): Promise<boolean>;
  list(query: ReleaseQuery): Promise<ReleaseRecord[]>;
  /**
   * Of the `succeeded` releases of an application in an environment (created before `beforeId`), the one that
   * finished last: what runs there.
   */
  lastSucceeded(application: string, environment: string, beforeId: string | null): Promise<ReleaseRecord | null>;
  /** The `succeeded` release of each application of an environment that finished last, by application name. */
  lastSucceededPerApplication(environment: string): Promise<ReleaseRecord[]>;
  /** Applying releases still queued that nobody holds a lease on, oldest first. */
  unclaimed(limit: number): Promise<ReleaseRecord[]>;
  /** Takes the execution lease of an applying release still queued and unclaimed. False when another took it first. */
  claim(id: string, owner: string, leaseUntil: string): Promise<boolean>;
  /** Extends a lease this owner holds. False when the lease was lost. */
  renewLease(id: string, owner: string, leaseUntil: string): Promise<boolean>;
  /** Drops the lease when execution ends. */
  releaseLease(id: string, owner: string): Promise<void>;
  /** Applying releases whose lease ran out, or that started and were left without one: to be reported interrupted. */
  expiredLeases(now: string, limit: number): Promise<ReleaseRecord[]>;
  /** When the first lease another process holds runs out (from `now` on), or null when no other process holds one. */
  nextLeaseExpiry(now: string, exceptOwner: string): Promise<string | null>;
  /** The releases that ended `succeeded`, `failed` or `rolled_back` with an apply finished in the query's span, oldest first. */
  applied(query: AppliedReleaseQuery): Promise<AppliedRelease[]>;
  /** How many releases there are, by environment, state and execution stage. */
  counts(): Promise<ReleaseCount[]>;
}

export interface PreviewRepository {
  insert(preview: PreviewRecord): Promise<void>;
  get(id: string): Promise<PreviewRecord | null>;
  /** The summaries of the previews of these ids that exist, in no particular order (a page of views reads no diffs). */
  summaries(ids: readonly string[]): Promise<PreviewSummary[]>;
  getByTokenHash(tokenHash: string): Promise<PreviewRecord | null>;
  /** Marks a preview used; false when it already was (single use). */
  consume(id: string, at: string): Promise<boolean>;
}

export interface TicketQuery {
  readable: 'all' | string[];
  status?: TicketStatus;
  limit: number;
}

export interface ApprovalRepository {
  insert(ticket: ApprovalTicket): Promise<void>;
  /** Reads a ticket; `lock` holds its row until the transaction ends (so concurrent decisions queue up). */
  get(id: string, options?: { lock?: boolean }): Promise<ApprovalTicket | null>;
  /** The tickets of these ids that exist, with their decisions, in no particular order (never locked). */
  getMany(ids: readonly string[]): Promise<ApprovalTicket[]>;
  addDecision(ticketId: string, decision: ApprovalDecision): Promise<void>;
  /** Compare-and-set of a ticket's status: changes it only while it is `from`. */
  setStatus(id: string, from: TicketStatus, to: TicketStatus, closedAt: string | null): Promise<boolean>;
  list(query: TicketQuery): Promise<ApprovalTicket[]>;
  /** Pending tickets past their expiry. */
  expired(now: string, limit: number): Promise<ApprovalTicket[]>;
}

/** What a transaction learns as it takes the chain's head. */
export interface LockedHead {
  /**
   * The version of the webhook subscriptions, which every subscription made or deleted moves (under this same lock on
   * PostgreSQL): the subscriptions read while it holds one version are those of that version, in every process.
   */
  webhooksVersion: number;
}

export interface TimelineRepository {
  /** Appends events to the one global chain, in order, and returns them chained. */
  append(events: NewTimelineEvent[]): Promise<TimelineEvent[]>;
  /**
   * Queues for the chain's head without appending (PostgreSQL holds it until commit; SQLite already runs one writer at
   * a time). A transaction that will append takes it first, so that it holds no other row while appenders ahead of it
   * finish: a release's row is then never held for long, and a lease renewal on it never waits behind the chain.
   */
  lockHead(): Promise<LockedHead>;
  listByRelease(releaseId: string, afterSeq: number, limit: number): Promise<TimelineEvent[]>;
  /** Every event after `afterSeq`, in order (for chain verification). */
  scan(afterSeq: number, limit: number): Promise<TimelineEvent[]>;
  headSeq(): Promise<number>;
  /** The last event's seq and hash as the head row records them (seq 0 and the genesis hash when empty). */
  head(): Promise<{ seq: number; hash: string }>;
}

/** A stored API token (only its hash). */
export interface TokenRecord extends Principal {
  id: string;
  tokenHash: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface TokenRepository {
  insert(token: TokenRecord): Promise<void>;
  get(id: string): Promise<TokenRecord | null>;
  getByHash(tokenHash: string): Promise<TokenRecord | null>;
  /** Every token, oldest first. */
  list(): Promise<TokenRecord[]>;
  revoke(id: string, at: string): Promise<boolean>;
  count(): Promise<number>;
}

/** The claim → role mappings, in order; replaced as a whole by an admin. */
export interface RoleMappingRepository {
  list(): Promise<RoleMapping[]>;
  /** Replaces every mapping (call it in a transaction). */
  replace(mappings: RoleMapping[]): Promise<void>;
}

/** A browser session after an OpenID Connect sign-in: only the hash of its cookie is kept. */
export interface SessionRecord {
  id: string;
  secretHash: string;
  /** The value mutations of this session must carry in `x-shipgate-csrf`. */
  csrf: string;
  issuer: string;
  subject: string;
  /** The ID token's claims, mapped to roles again at each request (a mapping change applies at once). */
  claims: Record<string, unknown>;
  createdAt: string;
  expiresAt: string;
  endedAt: string | null;
}

export interface SessionRepository {
  insert(session: SessionRecord): Promise<void>;
  getBySecretHash(secretHash: string): Promise<SessionRecord | null>;
  /** Ends a session (sign-out); false when it was already ended or unknown. */
  end(secretHash: string, at: string): Promise<boolean>;
  /** Removes the sessions that can no longer be used: expired by `now`, or ended (signed out). */
  purgeUnusable(now: string): Promise<void>;
}

/** A sign-in under way: what the callback must find again, keyed by the hash of the browser's one-time cookie. */
export interface SignInRecord {
  keyHash: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Where to go once signed in: a same-origin path. */
  next: string;
  expiresAt: string;
}

export interface SignInRepository {
  insert(signIn: SignInRecord): Promise<void>;
  /** Removes and returns a sign-in (single use); null when there is none. */
  take(keyHash: string): Promise<SignInRecord | null>;
  /** Removes the sign-ins that expired by `now` (abandoned at the provider). */
  purgeExpired(now: string): Promise<void>;
}

export interface EnvironmentRepository {
  insert(environment: Environment): Promise<void>;
  get(name: string): Promise<Environment | null>;
  list(): Promise<Environment[]>;
  update(environment: Environment): Promise<void>;
}

export interface DiagnosticsRepository {
  put(diagnostics: Diagnostics): Promise<void>;
  get(releaseId: string): Promise<Diagnostics | null>;
}

export interface DriftRepository {
  /** The stored drift of each application of an environment, by application name. */
  list(environment: string): Promise<DriftRecord[]>;
  get(environment: string, application: string): Promise<DriftRecord | null>;
  /**
   * Compare-and-set: stores `record` only while the stored fingerprint of its application is `expected` (`null`: while
   * none is stored). False when another writer stored a result first.
   */
  put(record: DriftRecord, expected: string | null): Promise<boolean>;
}

/** A command-center conversation; it belongs to one user. `state` is the command center's own. */
export interface ConversationRecord {
  id: string;
  subject: string;
  title: string;
  state: Record<string, unknown>;
  /** Bumped by every state write: what {@link ConversationRepository.compareAndSetState} compares. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface MessageRecord {
  id: string;
  conversationId: string;
  role: 'user' | 'assistant';
  text: string;
  actions: unknown[];
  releaseId: string | null;
  at: string;
}

export interface ConversationRepository {
  insert(conversation: ConversationRecord): Promise<void>;
  get(id: string): Promise<ConversationRecord | null>;
  /**
   * Compare-and-set: writes `state` (and bumps the version) only while the conversation is at `expectedVersion`.
   * False when another write came first.
   */
  compareAndSetState(id: string, expectedVersion: number, state: Record<string, unknown>, updatedAt: string): Promise<boolean>;
  listBySubject(subject: string, limit: number): Promise<ConversationRecord[]>;
  addMessage(message: MessageRecord): Promise<void>;
  /** The newest `limit` messages, oldest first (ids are time-ordered). */
  messages(conversationId: string, limit: number): Promise<MessageRecord[]>;
}

/** What one delivery attempt left: the delivery's new status and counters. */
export type DeliveryAttempt = Pick<WebhookDelivery, 'status' | 'attempts' | 'lastStatusCode' | 'lastError' | 'nextAttemptAt'>;

/**
 * Webhook subscriptions and their deliveries. Making or deleting a subscription moves the webhooks version of the
 * chain's head ({@link LockedHead}) in the same statement or transaction: run either in a transaction that took the
 * head first, as every appender does (one lock order).
 */
export interface WebhookRepository {
  insert(subscription: WebhookSubscription): Promise<void>;
  get(id: string): Promise<WebhookSubscription | null>;
  /** Every subscription, oldest first. */
  list(): Promise<WebhookSubscription[]>;
  /** Deletes a subscription and its deliveries; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Queues deliveries (in the transaction of the events they tell of). */
  enqueue(deliveries: WebhookDelivery[]): Promise<void>;
  /** The newest `limit` deliveries of a subscription, newest first. */
  deliveries(webhookId: string, limit: number): Promise<WebhookDelivery[]>;
  /**
   * Leases to `owner` until `leaseUntil` up to `limit` pending deliveries due at `now` that nobody holds (or whose
   * holder's lease ran out), oldest due first. Of several processes claiming at once, each gets different ones.
   */
  claimDue(now: string, owner: string, leaseUntil: string, limit: number): Promise<WebhookDelivery[]>;
  /** Records an attempt and gives the lease back; false (nothing written) when `owner` no longer held it. */
  recordAttempt(id: string, owner: string, attempt: DeliveryAttempt): Promise<boolean>;
  /** Gives a lease back without an attempt (the process is stopping). */
  releaseClaim(id: string, owner: string): Promise<void>;
}

/** Every repository, bound to one connection or transaction. */
export interface StoreSession {
  environments: EnvironmentRepository;
  releases: ReleaseRepository;
  previews: PreviewRepository;
  approvals: ApprovalRepository;
  timeline: TimelineRepository;
  tokens: TokenRepository;
  diagnostics: DiagnosticsRepository;
  conversations: ConversationRepository;
  drift: DriftRepository;
  webhooks: WebhookRepository;
  roleMappings: RoleMappingRepository;
  sessions: SessionRepository;
  signIns: SignInRepository;
}

/** The persistent store: repositories for single reads, and transactions for everything that changes state. */
export interface Store extends StoreSession {
  /** Runs `work` in one transaction; everything it wrote is committed together or not at all. */
  transaction<T>(work: (tx: StoreSession) => Promise<T>): Promise<T>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
