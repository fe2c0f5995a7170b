import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeDriver } from '../../src/adapters/runtimes/compose/compose-driver.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';

/** A Docker engine of this test's own, so that stopping it disturbs no other suite. */
async function startEngine(dir: string): Promise<{ host: string; process: ChildProcess }> {
  const host = `unix://${join(dir, 'd.sock')}`;
  const child = spawn(
    'dockerd',
    [
      '--host',
      host,
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'x'),
      '--pidfile',
      join(dir, 'd.pid'),
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--storage-driver=vfs',
    ],
    { stdio: 'ignore' },
  );
  await eventually(async () => existsSync(join(dir, 'd.sock')), 30_000, 'dockerd socket');
  return { host, process: child };
}

describe('the Compose runtime when the engine stops', () => {
  const dir = mkdtempSync('/tmp/sg-engine-');
  let engine: { host: string; process: ChildProcess };
  let srv: TestServer;

  beforeAll(async () => {
    engine = await startEngine(dir);
    const driver = ComposeDriver.create({ dockerHost: engine.host, pull: 'never' });
    await eventually(
      async () =>
        driver.ping().then(
          () => true,
          () => false,
        ),
      30_000,
      'engine ping',
    );
    srv = await startTestServer({ dialect: 'sqlite', drivers: { compose: driver } });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'dev', runtime: 'compose', target: { project: 'down' } });
  }, 60_000);

  afterAll(async () => {
    await srv?.close();
    if (engine?.process.exitCode === null) engine.process.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers RUNTIME_UNAVAILABLE and changes nothing', async () => {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'dev',
      spec: { compose: 'services:\n  web:\n    image: nothing:1\n' },
    });
    const preview = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    expect(preview.status).toBe(201);
    expect(preview.body.preview.summary.create).toBe(1);
    expect((await srv.api(null, 'GET', '/readyz')).status).toBe(200);

    engine.process.kill('SIGTERM');
    await new Promise((r) => engine.process.once('exit', r));

    const apply = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/apply`, { previewToken: preview.body.preview.token });
    expect(apply.status).toBe(503);
    expect(apply.headers.get('content-type')).toContain('application/problem+json');
    expect(apply.body.code).toBe('RUNTIME_UNAVAILABLE');
    const again = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    expect(again.body.code).toBe('RUNTIME_UNAVAILABLE');
    const detail = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${rel.body.id}`);
    expect(detail.body).toMatchObject({ state: 'previewed', execution: { stage: 'not_started' }, preview: { consumed: false } });
    const tl = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${rel.body.id}/timeline`);
    expect(tl.body.items.at(-1)).toMatchObject({ type: 'apply.rejected', data: { code: 'RUNTIME_UNAVAILABLE' } });
    const ready = await srv.api(null, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.runtimes.compose).toBe(false);
  });
});
