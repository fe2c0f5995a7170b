import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration, type MigrationProvider, type SqliteDatabase } from 'kysely';
import type { Database } from './database.tables.js';
import * as initial from './migrations/2026-11-25T1700-initial.migration.js';
import * as conversations from './migrations/2026-11-25T1900-conversations.migration.js';
import * as governance from './migrations/2026-11-26T0700-governance.migration.js';
import * as conversationGuard from './migrations/2026-11-26T1200-conversation-guard.migration.js';
import * as promotionVerification from './migrations/2026-11-26T1400-promotion-verification.migration.js';
import * as drift from './migrations/2026-11-26T1500-drift.migration.js';
import * as webhooks from './migrations/2026-11-27T0900-webhooks.migration.js';
import * as identity from './migrations/2026-11-27T1100-identity.migration.js';
import * as insights from './migrations/2026-11-28T0900-insights.migration.js';
import * as rateLimits from './migrations/2026-11-28T1000-rate-limits.migration.js';
import * as readIndexes from './migrations/2026-11-28T1100-read-indexes.migration.js';
import * as webhooksVersion from './migrations/2026-11-28T1200-webhooks-version.migration.js';

/** What differs between the SQL engines, declared once instead of tested for at each use. */
export interface DialectCapabilities {
  name: 'sqlite' | 'postgres';
  /** `SELECT … FOR UPDATE` holds rows until commit (PostgreSQL); SQLite serializes whole transactions instead. */
  rowLocks: boolean;
}

/** An open database with its capabilities. */
export interface OpenDatabase {
  db: Kysely<Database>;
  capabilities: DialectCapabilities;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://…` or `postgresql://…` for PostgreSQL; `sqlite:<path>`, a file path or `:memory:` for SQLite. */
  url: string;
  /** PostgreSQL schema to use (created when missing); lets test runs share one database without colliding. */
  schema?: string;
  poolSize?: number;
}

const MIGRATIONS: Record<string, Migration> = {
  '2026-11-25T1700-initial': initial,
  '2026-11-25T1900-conversations': conversations,
  '2026-11-26T0700-governance': governance,
  '2026-11-26T1200-conversation-guard': conversationGuard,
  '2026-11-26T1400-promotion-verification': promotionVerification,
  '2026-11-26T1500-drift': drift,
  '2026-11-27T0900-webhooks': webhooks,
  '2026-11-27T1100-identity': identity,
  '2026-11-28T0900-insights': insights,
  '2026-11-28T1000-rate-limits': rateLimits,
  '2026-11-28T1100-read-indexes': readIndexes,
  '2026-11-28T1200-webhooks-version': webhooksVersion,
};

const migrationProvider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** True when the URL selects PostgreSQL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/**
 * Opens the database named by `url` and migrates it to the latest schema.
 * @example const { db } = await openDatabase({ url: 'sqlite:./data/shipgate.db' })
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenDatabase> {
  const opened = isPostgresUrl(options.url) ? await openPostgres(options) : openSqlite(options.url);
  try {
    // Kysely looks for its own tables in every schema unless told which: another schema's would hide ours.
    const migrator = new Migrator({
      db: opened.db,
      provider: migrationProvider,
      ...(options.schema ? { migrationTableSchema: options.schema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}

/** The SQLite file a URL names; null for PostgreSQL and for an in-memory database. */
export function sqliteFileOf(url: string): string | null {
  if (isPostgresUrl(url)) return null;
  const path = url.replace(/^sqlite:(\/\/)?/, '');
  return path === ':memory:' ? null : path;
}

function openSqlite(url: string): OpenDatabase {
  const file = sqliteFileOf(url);
  if (file !== null) mkdirSync(dirname(file), { recursive: true });
  const path = file ?? ':memory:';
  const database = new BetterSqlite3(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return { db, capabilities: { name: 'sqlite', rowLocks: false }, close: () => db.destroy() };
}

/** How many prepared statements the SQLite store keeps (the store's queries are a few hundred distinct texts). */
const STATEMENT_CACHE_SIZE = 1_000;

/**
 * The SQLite database as Kysely sees it, with its statements prepared once per SQL text and kept (the oldest dropped
 * past {@link STATEMENT_CACHE_SIZE}): Kysely prepares every query it sends, and preparing cost more than running.
 * Safe because the store runs each statement to completion (`all`/`run`) before the next; it never streams rows.
 */
function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare: (sql: string) => {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

async function openPostgres(options: OpenDatabaseOptions): Promise<OpenDatabase> {
  // Loaded only for a PostgreSQL store: the embedded default never needs the driver.
  const { default: pg } = await import('pg');
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  if (schema) {
    const setup = new pg.Client({ connectionString: options.url });
    await setup.connect();
    try {
      await setup.query(`create schema if not exists ${schema}`);
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, capabilities: { name: 'postgres', rowLocks: true }, close: () => db.destroy() };
}
