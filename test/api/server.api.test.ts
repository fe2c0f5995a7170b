import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer } from '../support/test-server.js';
import { TEST_DOCKER_HOST } from '../support/docker-fixtures.js';
import { freePort, startMain, stopMain } from '../support/main-process.js';

describe('the server process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-main-'));
  // What `npm start` does first: build dist/ (and the web UI) when missing or older than the sources.
  beforeAll(() => execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' }), 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs compiled, its stack traces pointing into the TypeScript sources', () => {
    const script = "import('./dist/config.js').then((m) => { try { m.loadConfig({ PORT: 'x' }); } catch (e) { console.log(e.stack); } })";
    const stack = execFileSync(process.execPath, ['--enable-source-maps', '-e', script], { encoding: 'utf8' });
    expect(stack).toContain('PORT must be a port number');
    expect(stack).toMatch(/src\/config\.ts:\d+:\d+/);
  });

  it('starts on the embedded defaults, prints a generated admin token once, and stops cleanly', async () => {
    const port = await freePort();
    const env = {
      PORT: String(port),
      SHIPGATE_DATABASE_URL: `sqlite:${join(dir, 'shipgate.db')}`,
      SHIPGATE_ADMIN_TOKEN: '',
      LOG_LEVEL: 'info',
      SHIPGATE_RUNTIMES: 'compose',
      DOCKER_HOST: TEST_DOCKER_HOST,
    };
    const first = await startMain(env);
    const token = /\n {2}(sgt_\S+)\n/.exec(first.output())?.[1];
    expect(token).toBeTruthy();
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const me = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ subject: 'admin', bindings: [{ role: 'admin', environments: ['*'] }] });
    // First run: the engine answers, so environment "local" is there to deploy to, and the banner says so.
    expect(first.output()).toContain(`Shipgate is running at http://127.0.0.1:${port}`);
    expect(first.output()).toContain('Environment "local" deploys to the Docker engine');
    const envs = async () =>
      (await (await fetch(`${base}/api/v1/environments`, { headers: { authorization: `Bearer ${token}` } })).json()).items;
    expect(await envs()).toEqual([expect.objectContaining({ name: 'local', runtime: 'compose', target: { project: 'local' } })]);
    expect((await envs())[0].approval.required).toBe(false);
    expect(await stopMain(first)).toBe(0);

    const second = await startMain(env);
    expect(second.output()).not.toContain('sgt_');
    expect(second.output()).not.toContain('Environment "local"');
    expect(await envs()).toHaveLength(1);
    const again = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    expect(await stopMain(second)).toBe(0);
  }, 120_000);
});

describe('limits and probes', () => {
  it('rate-limits each client with a RATE_LIMITED problem', async () => {
    const srv = await startTestServer({ dialect: 'sqlite', rateLimitPerMinute: 5 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/me')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/me');
      expect(limited.headers.get('content-type')).toContain('application/problem+json');
      expect(limited.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(limited.headers.get('retry-after')).toBeTruthy();
      expect((await srv.api('another-token', 'GET', '/api/v1/me')).status).toBe(401);
    } finally {
      await srv.close();
    }
  });

  it('is not ready while a runtime cannot be reached', async () => {
    const srv = await startTestServer({ dialect: 'sqlite' });
    try {
      expect((await srv.api(null, 'GET', '/readyz')).status).toBe(200);
      srv.driver.unavailable = true;
      const res = await srv.api(null, 'GET', '/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ store: true, runtimes: { compose: false } });
    } finally {
      await srv.close();
    }
  });
});

describe('request ids', () => {
  it('names each request in its response header, its problem body and its log lines', async () => {
    const srv = await startTestServer({ dialect: 'sqlite' });
    try {
      const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'Not A Name', runtime: 'compose', target: {} });
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.requestId).toBe(id);
      const ok = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
        name: 'ids',
        runtime: 'compose',
        target: { project: 'ids' },
      });
      expect(ok.status).toBe(201);
      const lines = srv.logs.map((l) => JSON.parse(l)).filter((l) => l.reqId === ok.headers.get('x-request-id'));
      expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
      expect(
        srv.logs
          .map((l) => JSON.parse(l))
          .filter((l) => l.req || l.res)
          .every((l) => typeof l.reqId === 'string'),
      ).toBe(true);
    } finally {
      await srv.close();
    }
  });

  it("keeps a proxy's well-formed X-Request-Id and replaces anything else with one of its own", async () => {
    const srv = await startTestServer({ dialect: 'sqlite' });
    try {
      const idOf = async (value: string | string[]) => {
        const headers = new Headers();
        for (const v of [value].flat()) headers.append('x-request-id', v);
        const res = await fetch(`${srv.url}/api/v1/releases/nope`, {
          headers: { ...Object.fromEntries(headers), authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        const body = await res.json();
        expect(body.requestId).toBe(res.headers.get('x-request-id'));
        return body.requestId as string;
      };
      for (const good of ['abc-123', '0192f7a4-5b6c-7d8e-9f01-23456789abcd', 'trace:1.2_3', 'x'.repeat(128)])
        expect(await idOf(good)).toBe(good);
      const fresh = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
      for (const bad of [
        'x'.repeat(129),
        'a b',
        'a\tb',
        'idé',
        '../../etc/passwd',
        '{"reqId":1}',
        '<script>',
        '%0d%0ainjected',
        'a;b',
        ['one', 'two'],
      ]) {
        const id = await idOf(bad);
        expect(id, JSON.stringify(bad)).toMatch(fresh);
      }
      const spaces = await fetch(`${srv.url}/api/v1/me`, { headers: { 'x-request-id': '   ', authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(spaces.headers.get('x-request-id')).toMatch(fresh);
    } finally {
      await srv.close();
    }
  });
});
