import { sql, type QueryCreator, type Selectable } from 'kysely';
import type { TimelineEventType } from '../../../core/audit/timeline-event.js';
import type {
  DeliveryEventType,
  DeliveryStatus,
  WebhookDelivery,
  WebhookFormat,
  WebhookSubscription,
} from '../../../core/webhooks/webhook.js';
import type { DeliveryAttempt, WebhookRepository } from '../../../ports/store.js';
import type { DialectCapabilities } from '../database.js';
import type { Database, WebhookDeliveriesTable, WebhooksTable } from '../database.tables.js';
import { fromJson } from './column-codecs.js';
import { changedOneRow, type Connection } from './connection.js';

function subscriptionFromRow(row: Selectable<WebhooksTable>): WebhookSubscription {
  return {
    id: row.id,
    url: row.url,
    events: fromJson<TimelineEventType[]>(row.events),
    environments: fromJson<string[]>(row.environments),
    format: row.format as WebhookFormat,
    secret: row.secret,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

function subscriptionToRow(s: WebhookSubscription): WebhooksTable {
  return {
    id: s.id,
    url: s.url,
    events: JSON.stringify(s.events),
    environments: JSON.stringify(s.environments),
    format: s.format,
    secret: s.secret,
    created_at: s.createdAt,
    created_by: s.createdBy,
  };
}

function deliveryFromRow(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventType: row.event_type as DeliveryEventType,
    eventSeq: row.event_seq === null ? null : Number(row.event_seq),
    payload: row.payload,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
  };
}

function deliveryToRow(d: WebhookDelivery): WebhookDeliveriesTable {
  return {
    id: d.id,
    webhook_id: d.webhookId,
    event_type: d.eventType,
    event_seq: d.eventSeq,
    payload: d.payload,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    next_attempt_at: d.nextAttemptAt,
    created_at: d.createdAt,
    lease_owner: null,
    lease_expires_at: null,
  };
}

/**
 * Webhook subscriptions (`webhooks`) and their outbox (`webhook_deliveries`). A delivery is attempted under a lease:
 * claimed with `FOR UPDATE SKIP LOCKED` where the database has row locks (SQLite runs one writer at a time), and its
 * outcome is written only by the lease's holder, so several processes make each attempt once.
 * @example const due = await webhooks.claimDue(now, 'replica-a', leaseUntil, 8)
 */
export class KyselyWebhookRepository implements WebhookRepository {
  constructor(
    private readonly db: Connection,
    private readonly capabilities: DialectCapabilities,
  ) {}

  async insert(subscription: WebhookSubscription): Promise<void> {
    const row = subscriptionToRow(subscription);
    if (this.capabilities.name === 'postgres') {
      await this.db
        .with('moved', (db) => this.moveVersion(db))
        .insertInto('webhooks')
        .values(row)
        .execute();
      return;
    }
    await this.db.insertInto('webhooks').values(row).execute();
    await this.moveVersion().execute();
  }

  async get(id: string): Promise<WebhookSubscription | null> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? subscriptionFromRow(row) : null;
  }

  async list(): Promise<WebhookSubscription[]> {
    const rows = await this.db.selectFrom('webhooks').selectAll().orderBy('id').execute();
    return rows.map(subscriptionFromRow);
  }

  async delete(id: string): Promise<boolean> {
    if (this.capabilities.name === 'postgres') {
      const { rows } = await sql<{ deleted: number }>`
        with deleted as (delete from webhooks where id = ${id} returning id),
          moved as (update audit_head set webhooks_version = webhooks_version + 1 where id = 1 and exists (select 1 from deleted))
        select count(*)::int as deleted from deleted`.execute(this.db);
      return rows[0]?.deleted === 1;
    }
    const result = await this.db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) !== 1) return false;
    await this.moveVersion().execute();
    return true;
  }

  /**
   * Moves the subscriptions' version on the chain's head. On PostgreSQL it moves in the very statement that changes
   * them (data-modifying WITH): no crash can part the two, which would leave other processes' outboxes queueing to a
   * subscription that is gone. SQLite's store belongs to one process, whose outbox a crash empties anyway.
   */
  private moveVersion(db: QueryCreator<Database> = this.db) {
    return db
      .updateTable('audit_head')
      .set((eb) => ({ webhooks_version: eb('webhooks_version', '+', 1) }))
      .where('id', '=', 1);
  }

  async enqueue(deliveries: WebhookDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.db.insertInto('webhook_deliveries').values(deliveries.map(deliveryToRow)).execute();
  }

  async deliveries(webhookId: string, limit: number): Promise<WebhookDelivery[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('webhook_id', '=', webhookId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(deliveryFromRow);
  }

  async claimDue(now: string, owner: string, leaseUntil: string, limit: number): Promise<WebhookDelivery[]> {
    if (limit <= 0) return [];
    const rowLocks = this.capabilities.rowLocks;
    const rows = await this.db
      // Materialized: the due rows are picked (and locked) once, never re-read by the update's plan.
      .with(
        (cte) => cte('due').materialized(),
        (db) => {
          const due = db
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_expires_at', '<', now)]))
            .orderBy('next_attempt_at')
            .limit(limit);
          // Rows another process is claiming are skipped, not waited for: each process takes different deliveries.
          return rowLocks ? due.forUpdate().skipLocked() : due;
        },
      )
      .updateTable('webhook_deliveries')
      .set({ lease_owner: owner, lease_expires_at: leaseUntil })
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .returningAll()
      .execute();
    return rows.map(deliveryFromRow).sort((a, b) => (a.nextAttemptAt ?? '').localeCompare(b.nextAttemptAt ?? ''));
  }

  async recordAttempt(id: string, owner: string, attempt: DeliveryAttempt): Promise<boolean> {
    const result = await this.db
      .updateTable('webhook_deliveries')
      .set({
        status: attempt.status,
        attempts: attempt.attempts,
        last_status_code: attempt.lastStatusCode,
        last_error: attempt.lastError,
        next_attempt_at: attempt.nextAttemptAt,
        lease_owner: null,
        lease_expires_at: null,
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return changedOneRow(result);
  }

  async releaseClaim(id: string, owner: string): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ lease_owner: null, lease_expires_at: null })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .execute();
  }
}
