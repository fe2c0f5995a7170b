import type { Kysely } from 'kysely';

/**
 * Indexes in the shape of the lists' queries, so a page costs the same among a hundred rows or a million: releases
 * filtered by environment and state, newest first; the approval queue by status in request order (ties by id); and
 * the pending tickets past their expiry, looked for before each queue read.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('releases_env_state').on('releases').columns(['environment', 'state', 'id']).execute();
  await db.schema.createIndex('approval_tickets_queue').on('approval_tickets').columns(['status', 'requested_at', 'id']).execute();
  await db.schema.dropIndex('approval_tickets_status').execute();
  await db.schema.createIndex('approval_tickets_expiry').on('approval_tickets').columns(['status', 'expires_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('approval_tickets_expiry').execute();
  await db.schema.createIndex('approval_tickets_status').on('approval_tickets').columns(['status', 'requested_at']).execute();
  await db.schema.dropIndex('approval_tickets_queue').execute();
  await db.schema.dropIndex('releases_env_state').execute();
}
