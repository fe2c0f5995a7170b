import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { ApprovalTicket, TicketStatus } from '../../core/approval/approval.js';
import { chainEvent, type ChainHasher, type NewTimelineEvent, type TimelineEvent } from '../../core/audit/timeline-event.js';
import type { Diagnostics } from '../../core/diagnostics/diagnostics.js';
import type { Environment } from '../../core/environment/environment.js';
import type { PreviewRecord } from '../../core/preview/preview.js';
import type { ApprovalDecision, ReleaseRecord, ReleaseState } from '../../core/release/release.js';
import type {
  ApprovalRepository,
  ConversationRecord,
  ConversationRepository,
  DiagnosticsRepository,
  MessageRecord,
  EnvironmentRepository,
  PreviewRepository,
  ReleasePatch,
  ReleaseQuery,
  ReleaseRepository,
  Store,
  StoreSession,
  TicketQuery,
  TimelineRepository,
  TokenRecord,
  TokenRepository,
} from '../../ports/store.js';
import { openDatabase, type DialectCapabilities, type OpenDatabaseOptions } from './database.js';
import type { Database } from './database.tables.js';
import {
  conversationFromRow,
  conversationToRow,
  messageFromRow,
  messageToRow,
  decisionFromRow,
  diagnosticsFromRow,
  environmentFromRow,
  environmentToRow,
  eventFromRow,
  eventToRow,
  previewFromRow,
  previewToRow,
  releaseFromRow,
  releasePatchToRow,
  releaseToRow,
  ticketFromRow,
  ticketToRow,
  tokenFromRow,
  tokenToRow,
} from './row-mappers.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The environments a query is restricted to; `null` for no restriction. */
function readableEnvironments(readable: 'all' | string[]): string[] | null {
  return readable === 'all' ? null : readable;
}

class KyselyEnvironmentRepository implements EnvironmentRepository {
  constructor(private readonly db: Db) {}

  async insert(environment: Environment): Promise<void> {
    await this.db.insertInto('environments').values(environmentToRow(environment)).execute();
  }

  async get(name: string): Promise<Environment | null> {
    const row = await this.db.selectFrom('environments').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? environmentFromRow(row) : null;
  }

  async list(): Promise<Environment[]> {
    const rows = await this.db.selectFrom('environments').selectAll().orderBy('name').execute();
    return rows.map(environmentFromRow);
  }

  async update(environment: Environment): Promise<void> {
    const { name, ...rest } = environmentToRow(environment);
    await this.db.updateTable('environments').set(rest).where('name', '=', name).execute();
  }
}

class KyselyReleaseRepository implements ReleaseRepository {
  constructor(private readonly db: Db) {}

  async insert(release: ReleaseRecord): Promise<void> {
    await this.db.insertInto('releases').values(releaseToRow(release)).execute();
  }

  async get(id: string): Promise<ReleaseRecord | null> {
    const row = await this.db.selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? releaseFromRow(row) : null;
  }

  async compareAndSet(id: string, expected: ReleaseState, patch: ReleasePatch): Promise<boolean> {
    const result = await this.db
      .updateTable('releases')
      .set(releasePatchToRow(patch))
      .where('id', '=', id)
      .where('state', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async list(query: ReleaseQuery): Promise<ReleaseRecord[]> {
    let q = this.db.selectFrom('releases').selectAll();
    const envs = readableEnvironments(query.readable);
    if (envs?.length === 0) return [];
    if (envs) q = q.where('environment', 'in', envs);
    if (query.environment !== undefined) q = q.where('environment', '=', query.environment);
    if (query.application !== undefined) q = q.where('application', '=', query.application);
    if (query.state !== undefined) q = q.where('state', '=', query.state);
    if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
    const rows = await q.orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(releaseFromRow);
  }

  async lastSucceeded(application: string, environment: string, beforeId: string | null): Promise<ReleaseRecord | null> {
    let q = this.db
      .selectFrom('releases')
      .selectAll()
      .where('application', '=', application)
      .where('environment', '=', environment)
      .where('state', '=', 'succeeded');
    if (beforeId !== null) q = q.where('id', '<', beforeId);
    const row = await q.orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row ? releaseFromRow(row) : null;
  }

  async unclaimed(limit: number): Promise<ReleaseRecord[]> {
    const rows = await this.db
      .selectFrom('releases')
      .selectAll()
      .where('state', '=', 'applying')
      .where('exec_stage', '=', 'queued')
      .where('lease_owner', 'is', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(releaseFromRow);
  }

  async claim(id: string, owner: string, leaseUntil: string): Promise<boolean> {
    const result = await this.db
      .updateTable('releases')
      .set({ lease_owner: owner, lease_expires_at: leaseUntil })
      .where('id', '=', id)
      .where('state', '=', 'applying')
      .where('exec_stage', '=', 'queued')
      .where('lease_owner', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async renewLease(id: string, owner: string, leaseUntil: string): Promise<boolean> {
    const result = await this.db
      .updateTable('releases')
      .set({ lease_expires_at: leaseUntil })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'applying')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    await this.db
      .updateTable('releases')
      .set({ lease_owner: null, lease_expires_at: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }

  async expiredLeases(now: string, limit: number): Promise<ReleaseRecord[]> {
    const rows = await this.db
      .selectFrom('releases')
      .selectAll()
      .where('state', '=', 'applying')
      .where((eb) =>
        eb.or([
          eb.and([eb('lease_owner', 'is not', null), eb('lease_expires_at', '<', now)]),
          // Started, then left without a lease: it must be reported, never run a second time.
          eb.and([eb('lease_owner', 'is', null), eb('exec_stage', '!=', 'queued')]),
        ]),
      )
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(releaseFromRow);
  }
}

class KyselyPreviewRepository implements PreviewRepository {
  constructor(private readonly db: Db) {}

  async insert(preview: PreviewRecord): Promise<void> {
    await this.db.insertInto('previews').values(previewToRow(preview)).execute();
  }

  async get(id: string): Promise<PreviewRecord | null> {
    const row = await this.db.selectFrom('previews').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? previewFromRow(row) : null;
  }

  async getByTokenHash(tokenHash: string): Promise<PreviewRecord | null> {
    const row = await this.db.selectFrom('previews').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? previewFromRow(row) : null;
  }

  async consume(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('previews')
      .set({ consumed_at: at })
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

class KyselyApprovalRepository implements ApprovalRepository {
  constructor(
    private readonly db: Db,
    private readonly capabilities: DialectCapabilities,
  ) {}

  async insert(ticket: ApprovalTicket): Promise<void> {
    await this.db.insertInto('approval_tickets').values(ticketToRow(ticket)).execute();
    for (const d of ticket.decisions) await this.addDecision(ticket.id, d);
  }

  async get(id: string, options: { lock?: boolean } = {}): Promise<ApprovalTicket | null> {
    let q = this.db.selectFrom('approval_tickets').selectAll().where('id', '=', id);
    if (options.lock && this.capabilities.rowLocks) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row) return null;
    return ticketFromRow(row, await this.decisionsOf([id]).then((m) => m.get(id) ?? []));
  }

  async addDecision(ticketId: string, decision: ApprovalDecision): Promise<void> {
    await this.db
      .insertInto('approval_decisions')
      .values({ ticket_id: ticketId, approver: decision.approver, decision: decision.decision, comment: decision.comment, at: decision.at })
      .execute();
  }

  async setStatus(id: string, from: TicketStatus, to: TicketStatus, closedAt: string | null): Promise<boolean> {
    const result = await this.db
      .updateTable('approval_tickets')
      .set({ status: to, closed_at: closedAt })
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async list(query: TicketQuery): Promise<ApprovalTicket[]> {
    let q = this.db.selectFrom('approval_tickets').selectAll();
    const envs = readableEnvironments(query.readable);
    if (envs?.length === 0) return [];
    if (envs) q = q.where('environment', 'in', envs);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    const rows = await q.orderBy('requested_at').orderBy('id').limit(query.limit).execute();
    const decisions = await this.decisionsOf(rows.map((r) => r.id));
    return rows.map((r) => ticketFromRow(r, decisions.get(r.id) ?? []));
  }

  async expired(now: string, limit: number): Promise<ApprovalTicket[]> {
    const rows = await this.db
      .selectFrom('approval_tickets')
      .selectAll()
      .where('status', '=', 'pending')
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit)
      .execute();
    const decisions = await this.decisionsOf(rows.map((r) => r.id));
    return rows.map((r) => ticketFromRow(r, decisions.get(r.id) ?? []));
  }

  private async decisionsOf(ids: string[]): Promise<Map<string, ApprovalDecision[]>> {
    const map = new Map<string, ApprovalDecision[]>();
    if (ids.length === 0) return map;
    const rows = await this.db
      .selectFrom('approval_decisions')
      .selectAll()
      .where('ticket_id', 'in', ids)
      .orderBy('at')
      .orderBy('approver')
      .execute();
    for (const row of rows) {
      const list = map.get(row.ticket_id) ?? [];
      list.push(decisionFromRow(row));
      map.set(row.ticket_id, list);
    }
    return map;
  }
}

class KyselyTimelineRepository implements TimelineRepository {
  constructor(
    private readonly db: Db,
    private readonly capabilities: DialectCapabilities,
    private readonly chain: ChainHasher,
  ) {}

  async append(events: NewTimelineEvent[]): Promise<TimelineEvent[]> {
    if (events.length === 0) return [];
    // The head row is the chain's lock: appenders in other transactions (and other processes) queue behind it.
    let headQuery = this.db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
    if (this.capabilities.rowLocks) headQuery = headQuery.forUpdate();
    const head = await headQuery.executeTakeFirstOrThrow();
    let current = { seq: Number(head.seq), hash: head.hash };
    const chained: TimelineEvent[] = [];
    for (const event of events) {
      const next = chainEvent(event, current, this.chain);
      chained.push(next);
      current = { seq: next.seq, hash: next.hash };
    }
    await this.db.insertInto('timeline_events').values(chained.map(eventToRow)).execute();
    await this.db.updateTable('audit_head').set({ seq: current.seq, hash: current.hash }).where('id', '=', 1).execute();
    return chained;
  }

  async listByRelease(releaseId: string, afterSeq: number, limit: number): Promise<TimelineEvent[]> {
    const rows = await this.db
      .selectFrom('timeline_events')
      .selectAll()
      .where('release_id', '=', releaseId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(eventFromRow);
  }

  async scan(afterSeq: number, limit: number): Promise<TimelineEvent[]> {
    const rows = await this.db
      .selectFrom('timeline_events')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(eventFromRow);
  }

  async headSeq(): Promise<number> {
    const head = await this.db.selectFrom('audit_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
    return Number(head.seq);
  }

  async head(): Promise<{ seq: number; hash: string }> {
    const head = await this.db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
    return { seq: Number(head.seq), hash: head.hash };
  }
}

class KyselyTokenRepository implements TokenRepository {
  constructor(private readonly db: Db) {}

  async insert(token: TokenRecord): Promise<void> {
    await this.db.insertInto('tokens').values(tokenToRow(token)).execute();
  }

  async get(id: string): Promise<TokenRecord | null> {
    const row = await this.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? tokenFromRow(row) : null;
  }

  async getByHash(tokenHash: string): Promise<TokenRecord | null> {
    const row = await this.db.selectFrom('tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? tokenFromRow(row) : null;
  }

  async list(): Promise<TokenRecord[]> {
    const rows = await this.db.selectFrom('tokens').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(tokenFromRow);
  }

  async revoke(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

class KyselyDiagnosticsRepository implements DiagnosticsRepository {
  constructor(private readonly db: Db) {}

  async put(diagnostics: Diagnostics): Promise<void> {
    const row = { release_id: diagnostics.releaseId, collected_at: diagnostics.collectedAt, payload: JSON.stringify(diagnostics) };
    await this.db
      .insertInto('diagnostics')
      .values(row)
      .onConflict((oc) => oc.column('release_id').doUpdateSet({ collected_at: row.collected_at, payload: row.payload }))
      .execute();
  }

  async get(releaseId: string): Promise<Diagnostics | null> {
    const row = await this.db.selectFrom('diagnostics').selectAll().where('release_id', '=', releaseId).executeTakeFirst();
    return row ? diagnosticsFromRow(row) : null;
  }
}

class KyselyConversationRepository implements ConversationRepository {
  constructor(private readonly db: Db) {}

  async insert(conversation: ConversationRecord): Promise<void> {
    await this.db.insertInto('conversations').values(conversationToRow(conversation)).execute();
  }

  async get(id: string): Promise<ConversationRecord | null> {
    const row = await this.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? conversationFromRow(row) : null;
  }

  async compareAndSetState(id: string, expectedVersion: number, state: Record<string, unknown>, updatedAt: string): Promise<boolean> {
    const result = await this.db
      .updateTable('conversations')
      .set((eb) => ({ state: JSON.stringify(state), updated_at: updatedAt, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async listBySubject(subject: string, limit: number): Promise<ConversationRecord[]> {
    const rows = await this.db.selectFrom('conversations').selectAll().where('subject', '=', subject).orderBy('updated_at', 'desc').limit(limit).execute();
    return rows.map(conversationFromRow);
  }

  async addMessage(message: MessageRecord): Promise<void> {
    await this.db.insertInto('conversation_messages').values(messageToRow(message)).execute();
  }

  async messages(conversationId: string, limit: number): Promise<MessageRecord[]> {
    // The newest `limit`, read newest first and turned around.
    const rows = await this.db.selectFrom('conversation_messages').selectAll().where('conversation_id', '=', conversationId).orderBy('id', 'desc').limit(limit).execute();
    rows.reverse();
    return rows.map(messageFromRow);
  }
}

function session(db: Db, capabilities: DialectCapabilities, chain: ChainHasher): StoreSession {
  return {
    environments: new KyselyEnvironmentRepository(db),
    releases: new KyselyReleaseRepository(db),
    previews: new KyselyPreviewRepository(db),
    approvals: new KyselyApprovalRepository(db, capabilities),
    timeline: new KyselyTimelineRepository(db, capabilities, chain),
    tokens: new KyselyTokenRepository(db),
    diagnostics: new KyselyDiagnosticsRepository(db),
    conversations: new KyselyConversationRepository(db),
  };
}

/** How to open the store: the database, and the keyed hasher that chains every appended timeline event. */
export interface KyselyStoreOptions extends OpenDatabaseOptions {
  chain: ChainHasher;
}

/**
 * Shipgate's store over Kysely, on SQLite (embedded default) or PostgreSQL (shared by several processes).
 * @example const store = await KyselyStore.create({ url: 'postgres://postgres@127.0.0.1:5432/test', chain: auditKeys })
 */
export class KyselyStore implements Store {
  readonly environments;
  readonly releases;
  readonly previews;
  readonly approvals;
  readonly timeline;
  readonly tokens;
  readonly diagnostics;
  readonly conversations;

  private constructor(
    private readonly db: Kysely<Database>,
    readonly capabilities: DialectCapabilities,
    private readonly chain: ChainHasher,
    private readonly closeDatabase: () => Promise<void>,
  ) {
    const s = session(db, capabilities, chain);
    this.environments = s.environments;
    this.releases = s.releases;
    this.previews = s.previews;
    this.approvals = s.approvals;
    this.timeline = s.timeline;
    this.tokens = s.tokens;
    this.diagnostics = s.diagnostics;
    this.conversations = s.conversations;
  }

  /** Opens and migrates the database. */
  static async create(options: KyselyStoreOptions): Promise<KyselyStore> {
    const opened = await openDatabase(options);
    return new KyselyStore(opened.db, opened.capabilities, options.chain, opened.close);
  }

  transaction<T>(work: (tx: StoreSession) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(session(trx, this.capabilities, this.chain)));
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  close(): Promise<void> {
    return this.closeDatabase();
  }
}
