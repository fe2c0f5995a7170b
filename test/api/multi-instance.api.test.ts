import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';
import { testDatabase, type TestDatabase } from '../support/dialects.js';

// Several processes sharing one PostgreSQL is a PostgreSQL feature: the embedded SQLite store serves one process.
describe('several Shipgate processes on one PostgreSQL', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    database = testDatabase('postgres');
    a = await startTestServer({ dialect: 'postgres', database, keepDatabase: true, instanceId: 'a', leaseMs: 600 });
    b = await startTestServer({ dialect: 'postgres', database, keepDatabase: true, instanceId: 'b', leaseMs: 600, startExecutor: false });
    await a.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'p' } });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  async function queueApply(srv: TestServer, application: string): Promise<string> {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application,
      environment: 'staging',
      spec: { compose: 'services:\n  web:\n    image: web:1\n' },
    });
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    const applied = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/apply`, { previewToken: p.body.preview.token });
    expect(applied.status).toBe(202);
    return rel.body.id;
  }

  /** An executor in a process of its own that has claimed the queued apply: the process and the release it runs. */
  async function startChild(env: Record<string, string>): Promise<{ child: ChildProcess; running: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../support/executor-child.ts', import.meta.url))], {
      env: { ...process.env, CHILD_DATABASE_URL: database.url, CHILD_SCHEMA: database.schema ?? '', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const running = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the child never started the apply')), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        const m = /running (\S+)/.exec(chunk.toString());
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    return { child, running };
  }

  const exitOf = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  it('executes each release exactly once', async () => {
    b.shipgate.executor.start();
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => queueApply(i % 2 ? a : b, `app-${i}`)));
    for (const id of ids) {
      await eventually(async () => (await a.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`)).body.state === 'succeeded', 15_000, id);
    }
    const calls = [...a.driver.applyCalls, ...b.driver.applyCalls].filter((id) => ids.includes(id));
    expect(calls.sort()).toEqual([...ids].sort());
    await b.shipgate.executor.stop();
  });

  it('reports a release as interrupted, with diagnostics, when its process dies mid-apply', async () => {
    await a.shipgate.executor.stop();
    const id = await queueApply(a, 'doomed');
    const { child, running } = await startChild({ CHILD_LEASE_MS: '600' });
    expect(running).toBe(id);
    expect((await a.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`)).body.state).toBe('applying');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    b.shipgate.executor.start();
    const done = await eventually(
      async () => {
        const r = await b.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`);
        return r.body.state === 'interrupted' ? r.body : null;
      },
      15_000,
      'interrupted',
    );
    expect(done.execution.stage).toBe('interrupted');
    const tl = await b.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}/timeline`);
    const types = tl.body.items.map((e: any) => e.type);
    expect(types).toEqual(expect.arrayContaining(['execution.started', 'diagnostics.recorded', 'execution.interrupted']));
    expect(tl.body.items.find((e: any) => e.type === 'execution.started').data.instance).toBe('child');
    const diag = await b.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}/diagnostics`);
    expect(diag.status).toBe(200);
    expect(diag.body.state).toBe('interrupted');
    expect(b.driver.applyCalls).not.toContain(id);
  });
  it('lets a release under way finish on SIGTERM within the grace, then exits', async () => {
    await b.shipgate.executor.stop();
    const id = await queueApply(a, 'graceful');
    const { child, running } = await startChild({ CHILD_LEASE_MS: '60000', CHILD_HOLD_MS: '1500', CHILD_GRACE_MS: '10000' });
    expect(running).toBe(id);
    const exited = exitOf(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Finished by the stopping process itself: no other executor ran, and no lease had to expire.
    expect((await a.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`)).body.state).toBe('succeeded');
  });

  it('records a release that outlasts the grace as interrupted on SIGTERM, leaving nothing applying', async () => {
    const id = await queueApply(a, 'outlasting');
    const { child, running } = await startChild({ CHILD_LEASE_MS: '60000', CHILD_GRACE_MS: '300' });
    expect(running).toBe(id);
    const exited = exitOf(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const r = (await a.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`)).body;
    expect([r.state, r.execution.message]).toEqual(['interrupted', expect.stringContaining('shutting down')]);
    const applying = await a.api(ADMIN_TOKEN, 'GET', '/api/v1/releases?state=applying');
    expect(applying.body.items).toEqual([]);
  });
});
