import { sql, type Selectable } from 'kysely';
import type {
  Channel,
  ExecutionStage,
  ReleaseKind,
  ReleaseRecord,
  ReleaseState,
  ReleaseSummary,
  Runtime,
} from '../../../core/release/release.js';
import type { AppliedRelease } from '../../../core/insights/insights.js';
import type { AppliedReleaseQuery, ReleaseCount, ReleasePatch, ReleaseQuery, ReleaseRepository } from '../../../ports/store.js';
import type { ReleasesTable } from '../database.tables.js';
import { fromJson } from './column-codecs.js';
import { changedOneRow, onlyReadable, type Connection } from './connection.js';

/**
 * The newest success is the one that finished last, not the one drafted last: an older draft applied after a newer
 * one is what runs. Finish times are ISO-8601 UTC text, so they order as text on every dialect.
 */
const NEWEST_SUCCESS = sql`coalesce(exec_finished_at, '') desc`;

function releaseFromRow(row: Selectable<ReleasesTable>): ReleaseRecord {
  return {
    id: row.id,
    application: row.application,
    environment: row.environment,
    runtime: row.runtime as Runtime,
    kind: row.kind as ReleaseKind,
    rollbackOf: row.rollback_of,
    rollbackTo: row.rollback_to,
    state: row.state as ReleaseState,
    spec: fromJson(row.spec),
    parameters: fromJson(row.parameters),
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
      verifyUntil: row.exec_verify_until,
    },
    runtimeState: row.runtime_state === null ? null : fromJson(row.runtime_state),
    // Releases made before authors were kept had one: their creator.
    authors: row.authors === null ? [row.created_by] : fromJson(row.authors),
    provenance: row.provenance === null ? null : fromJson(row.provenance),
  };
}

function releaseToRow(r: ReleaseRecord): ReleasesTable {
  return {
    id: r.id,
    application: r.application,
    environment: r.environment,
    runtime: r.runtime,
    kind: r.kind,
    rollback_of: r.rollbackOf,
    rollback_to: r.rollbackTo,
    provenance: r.provenance === null ? null : JSON.stringify(r.provenance),
    lease_owner: null,
    lease_expires_at: null,
    ...releasePatchToRow(r),
  } as ReleasesTable;
}

/** Only the columns a patch names (a whole record names them all). */
function releasePatchToRow(p: ReleasePatch & Partial<ReleaseRecord>): Partial<ReleasesTable> {
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
    row.exec_verify_until = p.execution.verifyUntil;
  }
  if (p.authors !== undefined) row.authors = JSON.stringify(p.authors);
  if (p.runtimeState !== undefined) row.runtime_state = p.runtimeState === null ? null : JSON.stringify(p.runtimeState);
  return row;
}

/**
 * Releases in the `releases` table: state changes by compare-and-set (`WHERE id = ? AND state = ?`, zero rows
 * changed is a conflict), and the execution lease executors share. Only `app/release-transitions.ts` moves a state.
 * @example const claimed = await store.releases.claim(id, executorId, leaseUntil)
 */
export class KyselyReleaseRepository implements ReleaseRepository {
  constructor(private readonly db: Connection) {}

  async insert(release: ReleaseRecord): Promise<void> {
    await this.db.insertInto('releases').values(releaseToRow(release)).execute();
  }

  async get(id: string): Promise<ReleaseRecord | null> {
    const row = await this.db.selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? releaseFromRow(row) : null;
  }

  async getMany(ids: readonly string[]): Promise<ReleaseRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('releases')
      .selectAll()
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return rows.map(releaseFromRow);
  }

  async summaries(ids: readonly string[]): Promise<ReleaseSummary[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('releases')
      .select(['id', 'state', 'description', 'draft_digest', 'preview_id'])
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return rows.map((row) => ({
      id: row.id,
      state: row.state as ReleaseState,
      description: row.description,
      draftDigest: row.draft_digest,
      previewId: row.preview_id,
    }));
  }

  async compareAndSet(id: string, expected: ReleaseState, patch: ReleasePatch, condition?: { leaseExpiredAt: string }): Promise<boolean> {
    let q = this.db.updateTable('releases').set(releasePatchToRow(patch)).where('id', '=', id).where('state', '=', expected);
    // Evaluated on the row as it is when the update takes it (PostgreSQL re-reads a row another writer just released).
    if (condition) q = q.where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_expires_at', '<', condition.leaseExpiredAt)]));
    const result = await q.executeTakeFirst();
    return changedOneRow(result);
  }

  async list(query: ReleaseQuery): Promise<ReleaseRecord[]> {
    let q = onlyReadable(this.db.selectFrom('releases').selectAll(), query.readable);
    if (!q) return [];
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
    const row = await q.orderBy(NEWEST_SUCCESS).orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row ? releaseFromRow(row) : null;
  }

  async lastSucceededPerApplication(environment: string): Promise<ReleaseRecord[]> {
    const ranked = this.db
      .selectFrom('releases')
      .select(['id', sql<number>`row_number() over (partition by application order by ${NEWEST_SUCCESS}, id desc)`.as('newest')])
      .where('environment', '=', environment)
      .where('state', '=', 'succeeded')
      .as('ranked');
    const rows = await this.db
      .selectFrom('releases')
      .selectAll()
      .where('id', 'in', (eb) => eb.selectFrom(ranked).select('ranked.id').where('ranked.newest', '=', 1))
      .orderBy('application')
      .execute();
    return rows.map(releaseFromRow);
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
    return changedOneRow(result);
  }

  async renewLease(id: string, owner: string, leaseUntil: string): Promise<boolean> {
    const result = await this.db
      .updateTable('releases')
      .set({ lease_expires_at: leaseUntil })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('state', '=', 'applying')
      .executeTakeFirst();
    return changedOneRow(result);
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

  async nextLeaseExpiry(now: string, exceptOwner: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('releases')
      .select((eb) => eb.fn.min('lease_expires_at').as('next'))
      .where('state', '=', 'applying')
      .where('lease_owner', 'is not', null)
      .where('lease_owner', '!=', exceptOwner)
      .where('lease_expires_at', '>=', now)
      .executeTakeFirst();
    return row?.next ?? null;
  }

  async applied(query: AppliedReleaseQuery): Promise<AppliedRelease[]> {
    let q = onlyReadable(
      this.db
        .selectFrom('releases')
        .select(['id', 'application', 'environment', 'state', 'created_at', 'exec_stage', 'exec_finished_at'])
        .where('state', 'in', ['succeeded', 'failed', 'rolled_back'])
        .where('exec_finished_at', '>=', query.finishedFrom),
      query.readable,
    );
    if (!q) return [];
    if (query.environment !== undefined) q = q.where('environment', '=', query.environment);
    if (query.application !== undefined) q = q.where('application', '=', query.application);
    const rows = await q.orderBy('exec_finished_at').orderBy('id').execute();
    return rows.map((row) => ({
      id: row.id,
      application: row.application,
      environment: row.environment,
      state: row.state as ReleaseState,
      createdAt: row.created_at,
      execution: { stage: row.exec_stage as ExecutionStage, finishedAt: row.exec_finished_at },
    }));
  }

  async counts(): Promise<ReleaseCount[]> {
    const rows = await this.db
      .selectFrom('releases')
      .select(['environment', 'state', 'exec_stage', (eb) => eb.fn.countAll<number | string | bigint>().as('count')])
      .groupBy(['environment', 'state', 'exec_stage'])
      .execute();
    return rows.map((row) => ({
      environment: row.environment,
      state: row.state as ReleaseState,
      stage: row.exec_stage as ExecutionStage,
      count: Number(row.count),
    }));
  }
}
