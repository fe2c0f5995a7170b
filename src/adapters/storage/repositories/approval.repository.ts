import type { Selectable, SelectQueryBuilder } from 'kysely';
import { jsonArrayFrom as postgresJsonArray } from 'kysely/helpers/postgres';
import { jsonArrayFrom as sqliteJsonArray } from 'kysely/helpers/sqlite';
import type { ApprovalTicket, TicketStatus } from '../../../core/approval/approval.js';
import type { ApprovalDecision } from '../../../core/release/release.js';
import type { ApprovalRepository, TicketQuery } from '../../../ports/store.js';
import type { DialectCapabilities } from '../database.js';
import type { ApprovalDecisionsTable, ApprovalTicketsTable, Database } from '../database.tables.js';
import { fromFlag, toFlag } from './column-codecs.js';
import { changedOneRow, onlyReadable, type Connection } from './connection.js';

function ticketFromRow(row: Selectable<ApprovalTicketsTable>, decisions: ApprovalDecision[]): ApprovalTicket {
  return {
    id: row.id,
    releaseId: row.release_id,
    application: row.application,
    environment: row.environment,
    status: row.status as TicketStatus,
    minApprovers: row.min_approvers,
    allowSelfApproval: fromFlag(row.allow_self_approval),
    draftDigest: row.draft_digest,
    requestedBy: row.requested_by,
    requestedAt: row.requested_at,
    expiresAt: row.expires_at,
    closedAt: row.closed_at,
    decisions,
  };
}

function ticketToRow(t: ApprovalTicket): ApprovalTicketsTable {
  return {
    id: t.id,
    release_id: t.releaseId,
    application: t.application,
    environment: t.environment,
    status: t.status,
    min_approvers: t.minApprovers,
    allow_self_approval: toFlag(t.allowSelfApproval),
    draft_digest: t.draftDigest,
    requested_by: t.requestedBy,
    requested_at: t.requestedAt,
    expires_at: t.expiresAt,
    closed_at: t.closedAt,
  };
}

function decisionFromRow(row: Selectable<ApprovalDecisionsTable>): ApprovalDecision {
  return { approver: row.approver, decision: row.decision as ApprovalDecision['decision'], comment: row.comment, at: row.at };
}

/** Decisions in the order they were made (ties by approver). */
function byTimeThenApprover(a: ApprovalDecision, b: ApprovalDecision): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : a.approver < b.approver ? -1 : a.approver > b.approver ? 1 : 0;
}

function decisionToRow(ticketId: string, d: ApprovalDecision): ApprovalDecisionsTable {
  return { ticket_id: ticketId, approver: d.approver, decision: d.decision, comment: d.comment, at: d.at };
}

/**
 * Approval tickets (`approval_tickets`) with their decisions (`approval_decisions`, one per approver).
 * A ticket read with `lock` holds its row until commit where the dialect has row locks.
 * @example const ticket = await tx.approvals.get(id, { lock: true })
 */
export class KyselyApprovalRepository implements ApprovalRepository {
  constructor(
    private readonly db: Connection,
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
    const [ticket] = await this.withDecisions([row]);
    return ticket ?? null;
  }

  async getMany(ids: readonly string[]): Promise<ApprovalTicket[]> {
    if (ids.length === 0) return [];
    return this.withDecisionsIn(this.tickets().where('id', 'in', [...new Set(ids)]));
  }

  async addDecision(ticketId: string, decision: ApprovalDecision): Promise<void> {
    await this.db.insertInto('approval_decisions').values(decisionToRow(ticketId, decision)).execute();
  }

  async setStatus(id: string, from: TicketStatus, to: TicketStatus, closedAt: string | null): Promise<boolean> {
    const result = await this.db
      .updateTable('approval_tickets')
      .set({ status: to, closed_at: closedAt })
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return changedOneRow(result);
  }

  async list(query: TicketQuery): Promise<ApprovalTicket[]> {
    let q = onlyReadable(this.tickets(), query.readable);
    if (!q) return [];
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    return this.withDecisionsIn(q.orderBy('requested_at').orderBy('id').limit(query.limit));
  }

  async expired(now: string, limit: number): Promise<ApprovalTicket[]> {
    return this.withDecisionsIn(
      this.tickets().where('status', '=', 'pending').where('expires_at', '<=', now).orderBy('expires_at').limit(limit),
    );
  }

  private tickets() {
    return this.db.selectFrom('approval_tickets').selectAll();
  }

  /**
   * Runs a query of tickets with each ticket's decisions gathered into it as a JSON array (one statement: each ticket's
   * decisions are looked up by its key, where a second query over a page's ids could scan the whole decisions table).
   */
  private async withDecisionsIn(query: SelectQueryBuilder<Database, 'approval_tickets', Selectable<ApprovalTicketsTable>>) {
    const jsonArrayFrom = this.capabilities.name === 'postgres' ? postgresJsonArray : sqliteJsonArray;
    const rows = await query
      .select((eb) =>
        jsonArrayFrom(
          eb
            .selectFrom('approval_decisions')
            .select(['approver', 'decision', 'comment', 'at'])
            .whereRef('approval_decisions.ticket_id', '=', 'approval_tickets.id'),
        ).as('decisions_json'),
      )
      .execute();
    return rows.map(({ decisions_json: json, ...row }) => {
      const decisions = (typeof json === 'string' ? JSON.parse(json) : json) as Array<
        Omit<Selectable<ApprovalDecisionsTable>, 'ticket_id'>
      >;
      return ticketFromRow(row, decisions.map((d) => decisionFromRow({ ...d, ticket_id: row.id })).sort(byTimeThenApprover));
    });
  }

  private async withDecisions(rows: Selectable<ApprovalTicketsTable>[]): Promise<ApprovalTicket[]> {
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
