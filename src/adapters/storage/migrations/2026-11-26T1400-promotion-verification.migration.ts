import type { Kysely } from 'kysely';

/**
 * Environments gain a promotion rule and a verification policy (JSON, null when unset); a release keeps where it was
 * promoted from (JSON provenance) and, while it is being verified, when its verification window ends.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('environments').addColumn('promotion', 'text').execute();
  await db.schema.alterTable('environments').addColumn('verification', 'text').execute();
  await db.schema.alterTable('releases').addColumn('provenance', 'text').execute();
  await db.schema.alterTable('releases').addColumn('exec_verify_until', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('releases').dropColumn('exec_verify_until').execute();
  await db.schema.alterTable('releases').dropColumn('provenance').execute();
  await db.schema.alterTable('environments').dropColumn('verification').execute();
  await db.schema.alterTable('environments').dropColumn('promotion').execute();
}
