import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { KyselyStore } from '../../src/adapters/storage/kysely-store.js';
import type { ChainHasher } from '../../src/core/audit/timeline-event.js';
import { testAuditKeys } from './audit-keys.js';

/** The PostgreSQL every store test also runs on (this machine's, or SHIPGATE_TEST_POSTGRES_URL). */
export const POSTGRES_URL = process.env['SHIPGATE_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Every dialect a store test loops over. */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** A store on a fresh database of the dialect: an SQLite file in memory, or a PostgreSQL schema of its own. */
export interface TestDatabase {
  url: string;
  schema?: string;
  /** Opens the store; its timeline is chained with `chain` (default: the test audit key). */
  open(chain?: ChainHasher): Promise<KyselyStore>;
  drop(): Promise<void>;
}

export function testDatabase(dialect: Dialect): TestDatabase {
  if (dialect === 'sqlite') {
    const url = `sqlite:${process.env['TMPDIR'] ?? '/tmp'}/shipgate-test-${process.pid}-${randomBytes(6).toString('hex')}.db`;
    return {
      url,
      open: (chain = testAuditKeys) => KyselyStore.create({ url, chain }),
      drop: async () => {
        const { rm } = await import('node:fs/promises');
        const path = url.slice('sqlite:'.length);
        for (const suffix of ['', '-wal', '-shm']) await rm(path + suffix, { force: true });
      },
    };
  }
  const schema = `sg_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  return {
    url: POSTGRES_URL,
    schema,
    open: (chain = testAuditKeys) => KyselyStore.create({ url: POSTGRES_URL, schema, chain }),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * A PostgreSQL database of its own, for processes that run as in production (the default schema of one database):
 * its URL, and a way to drop it.
 */
export async function createPostgresDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => admin(`drop database if exists ${name} with (force)`) };
}
