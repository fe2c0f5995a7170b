import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { createPostgresDatabase } from '../../test/support/dialects.js';
import { freePort } from '../../test/support/main-process.js';
import { TEST_DOCKER_HOST } from '../../test/support/docker-fixtures.js';
import { startProcess, stopProcess } from './measure.js';

export type Store = 'sqlite' | 'postgres';
export const BENCH_ADMIN_TOKEN = 'sgt_bench_admin_token_0123456789abcdef';
/** The audit key every bench server runs with: a store seeded beforehand must chain its events with it. */
export const BENCH_AUDIT_KEY = 'bench-audit-key-0123456789abcdef0123456789abcdef';

/** A database made for a bench (seeded before a server opens it); it outlives the servers started on it. */
export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database: an SQLite file in a directory of its own, or a PostgreSQL database of its own. */
export async function createBenchDatabase(store: Store): Promise<BenchDatabase> {
  if (store === 'postgres') return createPostgresDatabase('sg_bench');
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-bench-db-'));
  return { url: `sqlite:${join(dir, 'shipgate.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export interface StartOptions {
  /** Open this database (seeded beforehand) instead of a fresh one; closing the server leaves it as it is. */
  database?: BenchDatabase;
}

/** Shipgate as `npm start` runs it (compiled, `node dist/main.js`), in a process of its own, on a fresh store (or a seeded one). */
export interface ShipgateProcess {
  url: string;
  child: ChildProcess;
  databaseUrl: string;
  /** Milliseconds from spawning the process to `/readyz` answering 200. */
  startMs: number;
  /** The process's resident memory now, in MB (from /proc). */
  rssMb(): number;
  api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startShipgate(store: Store, env: Record<string, string> = {}, options: StartOptions = {}): Promise<ShipgateProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-bench-'));
  // A database of its own is dropped with the server; one handed in belongs to whoever made it.
  const database = options.database ? null : store === 'postgres' ? await createPostgresDatabase('sg_bench') : null;
  const databaseUrl = options.database?.url ?? database?.url ?? `sqlite:${join(dir, 'shipgate.db')}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const { child } = await startProcess(
    process.execPath,
    // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there as it stops (open it in Chrome's DevTools).
    [
      '--enable-source-maps',
      '--max-semi-space-size=4',
      ...(process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : []),
      'dist/main.js',
    ],
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      SHIPGATE_DATABASE_URL: databaseUrl,
      SHIPGATE_DATA_DIR: dir,
      SHIPGATE_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      SHIPGATE_AUDIT_KEY: BENCH_AUDIT_KEY,
      // The limiter would refuse a load generator; what is measured is the read path.
      SHIPGATE_RATE_LIMIT_PER_MINUTE: '0',
      SHIPGATE_RUNTIMES: 'compose',
      DOCKER_HOST: TEST_DOCKER_HOST,
      LOG_LEVEL: 'warn',
      ...env,
    },
    /Shipgate is running at/,
  );
  // Ready as an orchestrator sees it: the store and the Docker engine answer.
  for (;;) {
    const res = await fetch(`${url}/readyz`).catch(() => null);
    if (res?.status === 200) break;
    if (performance.now() - started > 60_000) {
      // Not left running (nor its database left behind) once the bench gives up on it.
      await stopProcess(child);
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
      throw new Error('Shipgate never became ready');
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const startMs = performance.now() - started;
  const api: ShipgateProcess['api'] = async (method, path, body, token = BENCH_ADMIN_TOKEN) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    url,
    child,
    databaseUrl,
    startMs,
    rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024,
    api,
    close: async () => {
      await stopProcess(child);
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
