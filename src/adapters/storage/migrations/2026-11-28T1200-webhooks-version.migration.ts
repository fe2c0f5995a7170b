import type { Kysely } from 'kysely';

/**
 * A version of the webhook subscriptions on the chain's head row, moved by every subscription made or deleted: an
 * appender reads it with the head it locks anyway, and reads the subscriptions again only when it moved.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('audit_head')
    .addColumn('webhooks_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_head').dropColumn('webhooks_version').execute();
}
