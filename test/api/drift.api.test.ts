import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';
import { deployed, driftEvents, previewed } from '../support/deploy.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../support/dialects.js';

const SECRET = 's3cr3t-drift-canary';
const compose = (image: string) =>
  `services:\n  web:\n    image: ${image}\n    environment:\n      DB_PASSWORD: \${DB_PASSWORD}\n      DSN: pg://app@db/\${DB_PASSWORD}\n`;

/** Deploys a release of `application` whose spec holds a secret, and waits until it succeeded. */
const deploy = (srv: TestServer, environment: string, application: string, image = 'web:1') =>
  deployed(srv, { application, environment, spec: { compose: compose(image) }, parameters: { DB_PASSWORD: SECRET } }, 10_000);

describe.each(DIALECTS)('drift over HTTP (%s)', (dialect) => {
  let srv: TestServer;
  let viewerStaging: string;
  let deployer: string;

  beforeAll(async () => {
    srv = await startTestServer({ dialect });
    for (const [name, project] of [
      ['staging', 'driftstg'],
      ['production', 'driftprod'],
    ]) {
      expect((await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name, runtime: 'compose', target: { project } })).status).toBe(
        201,
      );
    }
    viewerStaging = await srv.tokenFor('vic', 'viewer', ['staging']);
    deployer = await srv.tokenFor('dana', 'deployer');
  });

  afterAll(async () => {
    await srv?.close();
  });

  const drift = (token: string | null, environment: string) => srv.api(token, 'GET', `/api/v1/environments/${environment}/drift`);
  const check = (token: string | null, environment: string) => srv.api(token, 'POST', `/api/v1/environments/${environment}/drift/check`);
  const itemOf = (body: any, application: string) => body.items.find((i: any) => i.application === application);

  it('is in sync after a deploy: the first read checks, later reads answer the stored result', async () => {
    expect((await drift(viewerStaging, 'staging')).body).toEqual({ items: [] });
    const id = await deploy(srv, 'staging', 'shop');
    const first = await drift(viewerStaging, 'staging');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.items).toEqual([
      { application: 'shop', releaseId: id, status: 'in_sync', checkedAt: expect.any(String), changes: [], message: null },
    ]);
    const callsBefore = srv.driver.previewCalls;
    const again = await drift(viewerStaging, 'staging');
    expect(again.body).toEqual(first.body);
    expect(srv.driver.previewCalls).toBe(callsBefore);
  });

  it('shows what changed behind its back, and tells it on the release timeline once per new drift', async () => {
    const id = await deploy(srv, 'staging', 'cart');
    srv.driver.tamper('staging', 'cart');
    const drifted = await check(deployer, 'staging');
    expect(drifted.status, JSON.stringify(drifted.body)).toBe(200);
    expect(itemOf(drifted.body, 'cart')).toMatchObject({
      releaseId: id,
      status: 'drifted',
      changes: [{ action: 'delete', kind: 'Service', name: 'intruder-1' }],
      message: null,
    });
    expect(itemOf(drifted.body, 'shop').status).toBe('in_sync');
    // Checked again, by a request and by a read: the same drift is told once.
    await check(deployer, 'staging');
    expect(itemOf((await drift(viewerStaging, 'staging')).body, 'cart').status).toBe('drifted');
    const events = await driftEvents(srv, id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: { type: 'system', id: 'shipgate' },
      data: {
        status: 'drifted',
        summary: { create: 0, update: 0, delete: 1 },
        resources: [{ action: 'delete', kind: 'Service', name: 'intruder-1' }],
      },
    });
    // Back in sync, then drifted again: a new drift.
    srv.driver.untamper('staging', 'cart');
    expect(itemOf((await check(deployer, 'staging')).body, 'cart').status).toBe('in_sync');
    expect(await driftEvents(srv, id)).toHaveLength(1);
    srv.driver.tamper('staging', 'cart');
    expect(itemOf((await check(deployer, 'staging')).body, 'cart').status).toBe('drifted');
    expect(await driftEvents(srv, id)).toHaveLength(2);
  });

  it('calls an application whose resources are all gone missing, and masks its secrets in the changes', async () => {
    const id = await deploy(srv, 'staging', 'gone');
    srv.driver.remove('staging', 'gone', 'web');
    const res = await check(deployer, 'staging');
    const gone = itemOf(res.body, 'gone');
    expect(gone).toMatchObject({ releaseId: id, status: 'missing', changes: [{ action: 'create', kind: 'Service', name: 'web' }] });
    expect(gone.changes[0].diff).toContain('@db/********');
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    const events = await driftEvents(srv, id);
    expect(events.map((e) => e.data.status)).toEqual(['missing']);
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(JSON.stringify(events[0].data)).not.toContain('pg://');
  });

  it('says unknown when the runtime cannot be reached, keeping what it found last and not telling it twice', async () => {
    const id = await deploy(srv, 'production', 'api');
    srv.driver.tamper('production', 'api');
    const drifted = itemOf((await check(deployer, 'production')).body, 'api');
    srv.driver.unavailable = true;
    try {
      const unknown = itemOf((await check(deployer, 'production')).body, 'api');
      expect(unknown).toMatchObject({ status: 'unknown', changes: drifted.changes, message: expect.stringContaining('cannot be reached') });
      expect(unknown.checkedAt >= drifted.checkedAt).toBe(true);
    } finally {
      srv.driver.unavailable = false;
    }
    expect(itemOf((await check(deployer, 'production')).body, 'api').status).toBe('drifted');
    expect(await driftEvents(srv, id)).toHaveLength(1);
  });

  it('keeps the last result of an application while a release of it is being applied', async () => {
    await deploy(srv, 'production', 'queue');
    const before = itemOf((await check(deployer, 'production')).body, 'queue');
    let release!: () => void;
    srv.driver.hold = new Promise<void>((resolve) => (release = resolve));
    try {
      const next = await previewed(srv, {
        application: 'queue',
        environment: 'production',
        spec: { compose: compose('web:2') },
        parameters: { DB_PASSWORD: SECRET },
      });
      await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${next.id}/apply`, { previewToken: next.token });
      await eventually(async () => srv.driver.applyCalls.includes(next.id), 5_000, 'the apply started');
      expect(itemOf((await check(deployer, 'production')).body, 'queue')).toEqual(before);
    } finally {
      release();
      srv.driver.hold = null;
    }
  });

  it('needs deployment:read to read and deployment:write to check, and says nothing of what it may not see', async () => {
    expect((await drift(viewerStaging, 'production')).status).toBe(403);
    expect((await drift(viewerStaging, 'production')).body.code).toBe('FORBIDDEN');
    // A name that does not exist answers as one that cannot be read would.
    const missing = await drift(viewerStaging, 'nowhere');
    expect([missing.status, missing.body.code]).toEqual([403, 'FORBIDDEN']);
    expect(missing.body.detail).not.toContain('nowhere');
    expect((await drift(ADMIN_TOKEN, 'nowhere')).status).toBe(404);
    expect((await check(viewerStaging, 'staging')).status).toBe(403);
    expect((await check(viewerStaging, 'production')).body.detail).not.toContain('production');
    expect((await drift(null, 'staging')).status).toBe(401);
    expect((await check(null, 'staging')).status).toBe(401);
  });

  it('answers hostile names with a 4xx problem, never a 500', async () => {
    for (const name of ['..%2F..%2Fetc', '%00', 'a'.repeat(64), 'a'.repeat(300), 'Staging', "x'%20or%201=1", '%E2%80%AE', 'a%2Fb', '-x']) {
      for (const [method, path] of [
        ['GET', `/api/v1/environments/${name}/drift`],
        ['POST', `/api/v1/environments/${name}/drift/check`],
      ] as const) {
        const res = await srv.api(ADMIN_TOKEN, method, path);
        // 400 from the name's schema, 404 for a path no route has, 414 for a name longer than any path segment may be.
        expect([400, 404, 414], `${method} ${path}: ${res.status}`).toContain(res.status);
        // The router's own 414 comes before any route and is plain JSON (as for every route with a path parameter).
        if (res.status !== 414) expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
    }
  });
});

describe.each(DIALECTS)('the background drift check (%s)', (dialect) => {
  let srv: TestServer;

  beforeAll(async () => {
    srv = await startTestServer({ dialect, driftIntervalMs: 150 });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'bgdrift' } });
  });

  afterAll(async () => {
    await srv?.close();
  });

  it('checks every environment on its own and tells a new drift once', async () => {
    const id = await deploy(srv, 'staging', 'shop');
    srv.driver.tamper('staging', 'shop');
    await eventually(async () => (await driftEvents(srv, id)).length === 1, 10_000, 'drift.detected');
    const stored = (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/staging/drift')).body.items[0];
    expect(stored).toMatchObject({ releaseId: id, status: 'drifted' });
    // More checks of the same drift tell nothing new.
    await eventually(
      async () => (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/staging/drift')).body.items[0].checkedAt > stored.checkedAt,
      10_000,
      'a later background check',
    );
    expect(await driftEvents(srv, id)).toHaveLength(1);
  });
});

// Several processes sharing one PostgreSQL is a PostgreSQL feature: the embedded SQLite store serves one process.
describe('drift checked by several processes on one PostgreSQL', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    database = testDatabase('postgres');
    a = await startTestServer({ dialect: 'postgres', database, keepDatabase: true, instanceId: 'a' });
    // Both processes look at the same runtime.
    b = await startTestServer({ dialect: 'postgres', database, keepDatabase: true, instanceId: 'b', drivers: { compose: a.driver } });
    await a.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'racedrift' } });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('tells a drift found by both at once a single time', async () => {
    const id = await deploy(a, 'staging', 'shop');
    for (let round = 1; round <= 3; round++) {
      a.driver.tamper('staging', 'shop');
      const checks = await Promise.all([a, b, a, b].map((srv) => srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments/staging/drift/check')));
      for (const res of checks) expect(res.body.items[0].status).toBe('drifted');
      expect(await driftEvents(a, id)).toHaveLength(round);
      a.driver.untamper('staging', 'shop');
      await a.api(ADMIN_TOKEN, 'POST', '/api/v1/environments/staging/drift/check');
    }
  });
});
