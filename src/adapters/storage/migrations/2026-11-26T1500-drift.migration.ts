import type { Kysely } from 'kysely';

/**
 * The last drift check of each application of each environment: its status, what differed (JSON changes, secrets
 * masked) and the fingerprint a new result is compared-and-set against, so that several processes tell a drift once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('drift_results')
    .addColumn('environment', 'text', (c) => c.notNull().references('environments.name'))
    .addColumn('application', 'text', (c) => c.notNull())
    .addColumn('release_id', 'text', (c) => c.notNull().references('releases.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('changes', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('drift_results_pk', ['environment', 'application'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('drift_results').execute();
}
