import type { Selectable } from 'kysely';
import type { DriftRecord, DriftStatus } from '../../../core/drift/drift.js';
import type { DriftRepository } from '../../../ports/store.js';
import type { DriftResultsTable } from '../database.tables.js';
import { fromJson } from './column-codecs.js';
import { changedOneRow, type Connection } from './connection.js';

function driftFromRow(row: Selectable<DriftResultsTable>): DriftRecord {
  return {
    environment: row.environment,
    application: row.application,
    releaseId: row.release_id,
    status: row.status as DriftStatus,
    fingerprint: row.fingerprint,
    changes: fromJson(row.changes),
    message: row.message,
    checkedAt: row.checked_at,
  };
}

function driftToRow(d: DriftRecord): DriftResultsTable {
  return {
    environment: d.environment,
    application: d.application,
    release_id: d.releaseId,
    status: d.status,
    fingerprint: d.fingerprint,
    changes: JSON.stringify(d.changes),
    message: d.message,
    checked_at: d.checkedAt,
  };
}

/**
 * The last drift check of each application of each environment (`drift_results`, one row an application), replaced
 * by compare-and-set on its fingerprint so that of two processes checking at once, one stores a new drift.
 * @example if (await tx.drift.put(record, previous?.fingerprint ?? null)) await tx.timeline.append([detected])
 */
export class KyselyDriftRepository implements DriftRepository {
  constructor(private readonly db: Connection) {}

  async list(environment: string): Promise<DriftRecord[]> {
    const rows = await this.db
      .selectFrom('drift_results')
      .selectAll()
      .where('environment', '=', environment)
      .orderBy('application')
      .execute();
    return rows.map(driftFromRow);
  }

  async get(environment: string, application: string): Promise<DriftRecord | null> {
    const row = await this.db
      .selectFrom('drift_results')
      .selectAll()
      .where('environment', '=', environment)
      .where('application', '=', application)
      .executeTakeFirst();
    return row ? driftFromRow(row) : null;
  }

  async put(record: DriftRecord, expected: string | null): Promise<boolean> {
    const row = driftToRow(record);
    if (expected === null) {
      // The first result: of two inserting at once, the second finds the row and stores nothing.
      const result = await this.db
        .insertInto('drift_results')
        .values(row)
        .onConflict((oc) => oc.columns(['environment', 'application']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    const { environment: _environment, application: _application, ...columns } = row;
    const result = await this.db
      .updateTable('drift_results')
      .set(columns)
      .where('environment', '=', record.environment)
      .where('application', '=', record.application)
      .where('fingerprint', '=', expected)
      .executeTakeFirst();
    return changedOneRow(result);
  }
}
