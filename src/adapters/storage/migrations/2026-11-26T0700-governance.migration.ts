import type { Kysely } from 'kysely';

/**
 * Runtime safety policy per environment, the policy verdict of each preview (and the policy it was judged under),
 * and every subject who authored a revision of a release (four eyes).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('environments').addColumn('policy', 'text').execute();
  await db.schema.alterTable('previews').addColumn('policy', 'text').execute();
  await db.schema.alterTable('previews').addColumn('policy_digest', 'text').execute();
  await db.schema.alterTable('releases').addColumn('authors', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('releases').dropColumn('authors').execute();
  await db.schema.alterTable('previews').dropColumn('policy_digest').execute();
  await db.schema.alterTable('previews').dropColumn('policy').execute();
  await db.schema.alterTable('environments').dropColumn('policy').execute();
}
