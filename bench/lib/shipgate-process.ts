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

/** Shipgate as `npm start` runs it (compiled, `node dist/main.js`), in a process of its own, on a fresh store. */
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

export async function startShipgate(store: Store, env: Record<string, string> = {}): Promise<ShipgateProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-bench-'));
  const database = store === 'postgres' ? await createPostgresDatabase('sg_bench') : null;
  const databaseUrl = database ? database.url : `sqlite:${join(dir, 'shipgate.db')}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const { child } = await startProcess(
    process.execPath,
    // BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there as it stops (open it in Chrome's DevTools).
    [
      '--enable-source-maps',
      ...(process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : []),
      'dist/main.js',
    ],
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      SHIPGATE_DATABASE_URL: databaseUrl,
      SHIPGATE_DATA_DIR: dir,
      SHIPGATE_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      SHIPGATE_AUDIT_KEY: 'bench-audit-key-0123456789abcdef0123456789abcdef',
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
    if (performance.now() - started > 60_000) throw new Error('Shipgate never became ready');
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
