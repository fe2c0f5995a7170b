import type { Selectable } from 'kysely';
import type { PreviewRecord, PreviewSummary } from '../../../core/preview/preview.js';
import type { PreviewRepository } from '../../../ports/store.js';
import type { PreviewsTable } from '../database.tables.js';
import { fromJson } from './column-codecs.js';
import { changedOneRow, type Connection } from './connection.js';

function previewFromRow(row: Selectable<PreviewsTable>): PreviewRecord {
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
    summary: fromJson(row.summary),
    changes: fromJson(row.changes),
    // Previews made before policies were judged passed.
    policy: row.policy === null ? { passed: true, violations: [] } : fromJson(row.policy),
    policyDigest: row.policy_digest,
    createdBy: row.created_by,
    conversationId: row.conversation_id,
  };
}

function previewToRow(p: PreviewRecord): PreviewsTable {
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

/**
 * Previews in the `previews` table, found by id or by the hash of their token, each consumed at most once.
 * @example if (!(await previews.consume(preview.id, now))) throw alreadyUsed
 */
export class KyselyPreviewRepository implements PreviewRepository {
  constructor(private readonly db: Connection) {}

  async insert(preview: PreviewRecord): Promise<void> {
    await this.db.insertInto('previews').values(previewToRow(preview)).execute();
  }

  get(id: string): Promise<PreviewRecord | null> {
    return this.findBy('id', id);
  }

  async summaries(ids: readonly string[]): Promise<PreviewSummary[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('previews')
      .select(['id', 'release_id', 'draft_revision', 'expires_at', 'consumed_at', 'summary'])
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return rows.map((row) => ({
      id: row.id,
      releaseId: row.release_id,
      draftRevision: row.draft_revision,
      expiresAt: row.expires_at,
      consumedAt: row.consumed_at,
      summary: fromJson(row.summary),
    }));
  }

  getByTokenHash(tokenHash: string): Promise<PreviewRecord | null> {
    return this.findBy('token_hash', tokenHash);
  }

  async consume(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('previews')
      .set({ consumed_at: at })
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    return changedOneRow(result);
  }

  private async findBy(column: 'id' | 'token_hash', value: string): Promise<PreviewRecord | null> {
    const row = await this.db.selectFrom('previews').selectAll().where(column, '=', value).executeTakeFirst();
    return row ? previewFromRow(row) : null;
  }
}
