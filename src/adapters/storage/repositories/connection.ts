import { sql, type Kysely, type SelectQueryBuilder, type Transaction, type UpdateResult } from 'kysely';
import type { Database } from '../database.tables.js';

/** What a repository queries through: the database itself, or one transaction on it. */
export type Connection = Kysely<Database> | Transaction<Database>;

/** A compare-and-set's verdict: exactly one row changed; zero means the expected value was gone (a conflict). */
export function changedOneRow(result: UpdateResult): boolean {
  return Number(result.numUpdatedRows) === 1;
}

/** The tables whose rows belong to an environment (an `environment` column). */
type EnvironmentScoped = { [T in keyof Database]: Database[T] extends { environment: string } ? T : never }[keyof Database];

/**
 * Restricts a list query to the environments a caller may read; `null` when that leaves nothing to ask for.
 * @example const q = onlyReadable(db.selectFrom('releases').selectAll(), query.readable); if (!q) return []
 */
export function onlyReadable<T extends EnvironmentScoped, O>(
  query: SelectQueryBuilder<Database, T, O>,
  readable: 'all' | string[],
): SelectQueryBuilder<Database, T, O> | null {
  if (readable === 'all') return query;
  if (readable.length === 0) return null;
  return query.where(sql.ref<string>('environment'), 'in', readable);
}
