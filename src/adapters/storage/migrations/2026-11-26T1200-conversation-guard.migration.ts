import { sql, type Kysely } from 'kysely';

/**
 * Conversation state becomes compare-and-set (a version bumped by every write), and a preview remembers who made
 * it and through which command-center conversation, so the command center can confirm by preview id instead of
 * keeping single-use preview tokens. Tokens that older conversation states kept are scrubbed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('conversations')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('previews').addColumn('created_by', 'text').execute();
  await db.schema.alterTable('previews').addColumn('conversation_id', 'text').execute();
  const rows = await sql<{ id: string; state: string }>`select id, state from conversations`.execute(db);
  for (const row of rows.rows) {
    const state = JSON.parse(row.state) as Record<string, unknown>;
    if (!('previewTokens' in state)) continue;
    delete state['previewTokens'];
    await sql`update conversations set state = ${JSON.stringify(state)} where id = ${row.id}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('previews').dropColumn('conversation_id').execute();
  await db.schema.alterTable('previews').dropColumn('created_by').execute();
  await db.schema.alterTable('conversations').dropColumn('version').execute();
}
