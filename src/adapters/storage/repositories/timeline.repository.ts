import type { Selectable } from 'kysely';
import {
  chainEvent,
  type ChainHasher,
  type NewTimelineEvent,
  type TimelineEvent,
  type TimelineEventType,
} from '../../../core/audit/timeline-event.js';
import type { Channel } from '../../../core/release/release.js';
import type { LockedHead, TimelineRepository } from '../../../ports/store.js';
import type { DialectCapabilities } from '../database.js';
import type { TimelineEventsTable } from '../database.tables.js';
import { fromJson } from './column-codecs.js';
import type { Connection } from './connection.js';

function eventFromRow(row: Selectable<TimelineEventsTable>): TimelineEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    releaseId: row.release_id,
    type: row.type as TimelineEventType,
    at: row.at,
    actor: { type: row.actor_type as TimelineEvent['actor']['type'], id: row.actor_id },
    channel: row.channel as Channel,
    release: fromJson(row.release_meta),
    data: fromJson(row.data),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function eventToRow(e: TimelineEvent): TimelineEventsTable {
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

/**
 * The one global timeline (`timeline_events`), every event chained to the one before it with a keyed hash; the
 * `audit_head` row records the last seq and hash and serializes appenders.
 * @example const [event] = await tx.timeline.append([newEvent])
 */
export class KyselyTimelineRepository implements TimelineRepository {
  /**
   * The head as this transaction holds it locked (after {@link lockHead} or an append): no one else can move it until
   * the transaction ends, so the next append chains onto it without reading the row again. Never set outside a
   * transaction.
   */
  private held: { seq: number; hash: string; webhooksVersion: number } | null = null;

  constructor(
    private readonly db: Connection,
    private readonly capabilities: DialectCapabilities,
    private readonly chain: ChainHasher,
  ) {}

  async append(events: NewTimelineEvent[]): Promise<TimelineEvent[]> {
    if (events.length === 0) return [];
    const held = this.held ?? (await this.lockedHead());
    let current = { seq: held.seq, hash: held.hash };
    const chained: TimelineEvent[] = [];
    for (const event of events) {
      const next = chainEvent(event, current, this.chain);
      chained.push(next);
      current = { seq: next.seq, hash: next.hash };
    }
    const rows = chained.map(eventToRow);
    const head = { seq: current.seq, hash: current.hash };
    if (this.capabilities.name === 'postgres') {
      // PostgreSQL moves the head in the same statement (a data-modifying WITH): one round trip less under its lock.
      await this.db
        .with('moved_head', (db) => db.updateTable('audit_head').set(head).where('id', '=', 1))
        .insertInto('timeline_events')
        .values(rows)
        .execute();
    } else {
      await this.db.insertInto('timeline_events').values(rows).execute();
      await this.db.updateTable('audit_head').set(head).where('id', '=', 1).execute();
    }
    if (this.held) this.held = { ...this.held, ...current };
    return chained;
  }

  async lockHead(): Promise<LockedHead> {
    const { webhooksVersion } = this.held ?? (await this.lockedHead());
    return { webhooksVersion };
  }

  /**
   * Reads the head, locking its row where the store has row locks (appenders elsewhere queue behind it; SQLite runs
   * one writer at a time already). Inside a transaction it is then held, and not read again.
   */
  private async lockedHead(): Promise<{ seq: number; hash: string; webhooksVersion: number }> {
    let query = this.db.selectFrom('audit_head').select(['seq', 'hash', 'webhooks_version']).where('id', '=', 1);
    if (this.capabilities.rowLocks) query = query.forUpdate();
    const head = await query.executeTakeFirstOrThrow();
    const current = { seq: Number(head.seq), hash: head.hash, webhooksVersion: Number(head.webhooks_version) };
    if (this.capabilities.rowLocks && this.db.isTransaction) this.held = current;
    return current;
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
    const rows = await this.db.selectFrom('timeline_events').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map(eventFromRow);
  }

  async headSeq(): Promise<number> {
    return (await this.head()).seq;
  }

  async head(): Promise<{ seq: number; hash: string }> {
    const head = await this.headQuery().executeTakeFirstOrThrow();
    return { seq: Number(head.seq), hash: head.hash };
  }

  private headQuery() {
    return this.db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
  }
}
