import type { Selectable } from 'kysely';
import type { TokenRecord, TokenRepository } from '../../../ports/store.js';
import type { TokensTable } from '../database.tables.js';
import { fromJson } from './column-codecs.js';
import { changedOneRow, type Connection } from './connection.js';

function tokenFromRow(row: Selectable<TokensTable>): TokenRecord {
  return {
    id: row.id,
    subject: row.subject,
    tokenHash: row.token_hash,
    bindings: fromJson(row.bindings),
    createdAt: row.created_at,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

function tokenToRow(t: TokenRecord): TokensTable {
  return {
    id: t.id,
    subject: t.subject,
    token_hash: t.tokenHash,
    bindings: JSON.stringify(t.bindings),
    created_at: t.createdAt,
    created_by: t.createdBy,
    expires_at: t.expiresAt,
    revoked_at: t.revokedAt,
  };
}

/**
 * API tokens in the `tokens` table, kept only as hashes; revoked at most once.
 * @example const token = await tokens.getByHash(hashOf(presented))
 */
export class KyselyTokenRepository implements TokenRepository {
  constructor(private readonly db: Connection) {}

  async insert(token: TokenRecord): Promise<void> {
    await this.db.insertInto('tokens').values(tokenToRow(token)).execute();
  }

  get(id: string): Promise<TokenRecord | null> {
    return this.findBy('id', id);
  }

  getByHash(tokenHash: string): Promise<TokenRecord | null> {
    return this.findBy('token_hash', tokenHash);
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
    return changedOneRow(result);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async findBy(column: 'id' | 'token_hash', value: string): Promise<TokenRecord | null> {
    const row = await this.db.selectFrom('tokens').selectAll().where(column, '=', value).executeTakeFirst();
    return row ? tokenFromRow(row) : null;
  }
}
