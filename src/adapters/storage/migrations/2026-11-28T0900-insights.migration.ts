import type { Kysely } from 'kysely';

/** Insights read the releases whose apply finished within a window: an index on when the apply finished. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('releases_finished').on('releases').columns(['exec_finished_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('releases_finished').execute();
}
