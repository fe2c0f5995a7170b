import type { Selectable } from 'kysely';
import type { Diagnostics } from '../../../core/diagnostics/diagnostics.js';
import type { DiagnosticsRepository } from '../../../ports/store.js';
import type { DiagnosticsTable } from '../database.tables.js';
import { fromJson } from './column-codecs.js';
import type { Connection } from './connection.js';

function diagnosticsFromRow(row: Selectable<DiagnosticsTable>): Diagnostics {
  return fromJson(row.payload);
}

function diagnosticsToRow(d: Diagnostics): DiagnosticsTable {
  return { release_id: d.releaseId, collected_at: d.collectedAt, payload: JSON.stringify(d) };
}

/**
 * The latest diagnostics of each release (`diagnostics`, one row a release, replaced by each collection).
 * @example await diagnostics.put(collected)
 */
export class KyselyDiagnosticsRepository implements DiagnosticsRepository {
  constructor(private readonly db: Connection) {}

  async put(diagnostics: Diagnostics): Promise<void> {
    const row = diagnosticsToRow(diagnostics);
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
