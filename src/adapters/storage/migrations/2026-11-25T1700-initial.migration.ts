import { sql, type Kysely } from 'kysely';
import { GENESIS_HASH } from '../../../core/audit/timeline-event.js';

/** The first schema: environments, releases, previews, approvals, the timeline chain, tokens, diagnostics. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('environments')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('runtime', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('production', 'integer', (c) => c.notNull())
    .addColumn('approval', 'text', (c) => c.notNull())
    .addColumn('preview_ttl_seconds', 'integer', (c) => c.notNull())
    .addColumn('apply_timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('freeze_windows', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('releases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('application', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull().references('environments.name'))
    .addColumn('runtime', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('rollback_of', 'text')
    .addColumn('rollback_to', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('rendered_spec', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('draft_revision', 'integer', (c) => c.notNull())
    .addColumn('draft_digest', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'text')
    .addColumn('preview_id', 'text')
    .addColumn('exec_stage', 'text', (c) => c.notNull())
    .addColumn('exec_attempt', 'integer', (c) => c.notNull())
    .addColumn('exec_started_at', 'text')
    .addColumn('exec_finished_at', 'text')
    .addColumn('exec_message', 'text')
    .addColumn('runtime_state', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .execute();
  await db.schema.createIndex('releases_app_env').on('releases').columns(['environment', 'application', 'id']).execute();
  await db.schema.createIndex('releases_state').on('releases').columns(['state', 'id']).execute();

  await db.schema
    .createTable('previews')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('release_id', 'text', (c) => c.notNull().references('releases.id'))
    .addColumn('draft_revision', 'integer', (c) => c.notNull())
    .addColumn('draft_digest', 'text', (c) => c.notNull())
    .addColumn('live_digest', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('consumed_at', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('changes', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('approval_tickets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('release_id', 'text', (c) => c.notNull().references('releases.id'))
    .addColumn('application', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('min_approvers', 'integer', (c) => c.notNull())
    .addColumn('allow_self_approval', 'integer', (c) => c.notNull())
    .addColumn('draft_digest', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .execute();
  await db.schema.createIndex('approval_tickets_status').on('approval_tickets').columns(['status', 'requested_at']).execute();

  await db.schema
    .createTable('approval_decisions')
    .addColumn('ticket_id', 'text', (c) => c.notNull().references('approval_tickets.id'))
    .addColumn('approver', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('approval_decisions_pk', ['ticket_id', 'approver'])
    .execute();

  await db.schema
    .createTable('timeline_events')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('release_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('release_meta', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('timeline_events_release').on('timeline_events').columns(['release_id', 'seq']).execute();

  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into audit_head (id, seq, hash) values (1, 0, ${GENESIS_HASH})`.execute(db);

  await db.schema
    .createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('bindings', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('diagnostics')
    .addColumn('release_id', 'text', (c) => c.primaryKey())
    .addColumn('collected_at', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'diagnostics',
    'tokens',
    'audit_head',
    'timeline_events',
    'approval_decisions',
    'approval_tickets',
    'previews',
    'releases',
    'environments',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
