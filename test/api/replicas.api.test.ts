import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeChange, encodeChange } from '../../src/adapters/storage/postgres-change-feed.js';
import { previewed, releaseIn } from '../support/deploy.js';
import { testDatabase } from '../support/dialects.js';
import { openSse } from '../support/sse-reader.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';

// Two Shipgate servers on one PostgreSQL tell each other of their writes through LISTEN/NOTIFY: a stream on one sees
// the other's events at once, and an apply recorded by one wakes the other's executor, neither waiting for a poll.

const SPEC = { compose: 'services:\n  web:\n    image: web:1\n' };

describe('replicas on one PostgreSQL', () => {
  const database = testDatabase('postgres');
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    // A records; B streams and executes. B's own poll is a minute, so only a notification can wake it in time.
    a = await startTestServer({ dialect: 'postgres', database, changeFeed: true, startExecutor: false, keepDatabase: true });
    b = await startTestServer({ dialect: 'postgres', database, changeFeed: true, pollMs: 60_000, instanceId: 'replica-b' });
    const env = await a.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'p' } });
    expect(env.status).toBe(201);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('streams on one replica what the other writes, within 200 ms', async () => {
    const created = await a.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', { application: 'web', environment: 'staging', spec: SPEC });
    const id = created.body.id as string;
    const stream = await openSse(`${b.url}/api/v1/releases/${id}/stream`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    try {
      expect(stream.status).toBe(200);
      await stream.until((events) => events.some((e) => e.event === 'release'));
      const lags: number[] = [];
      for (let i = 0; i < 5; i++) {
        const before = stream.events.length;
        const started = performance.now();
        const edited = await a.api(ADMIN_TOKEN, 'PATCH', `/api/v1/releases/${id}`, { description: `edit ${i}` });
        expect(edited.status, JSON.stringify(edited.body)).toBe(200);
        await stream.until(
          (events) => events.slice(before).some((e) => e.event === 'timeline' && e.data.type === 'release.updated'),
          2_000,
        );
        lags.push(performance.now() - started);
      }
      lags.sort((x, y) => x - y);
      expect(lags[2], `median lag of ${lags.map(Math.round).join(', ')} ms`).toBeLessThan(200);
    } finally {
      stream.close();
    }
  });

  it('executes on one replica the apply the other recorded, without waiting for its poll', async () => {
    const { id, token } = await previewed(a, { application: 'api', environment: 'staging', spec: SPEC });
    const started = Date.now();
    const applied = await a.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: token });
    expect(applied.status, JSON.stringify(applied.body)).toBe(202);
    const done = await releaseIn(b, id, ['succeeded', 'failed', 'interrupted'], 15_000);
    expect(done.state).toBe('succeeded');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(b.driver.applyCalls.length).toBe(1);
    expect(a.driver.applyCalls).toEqual([]);
  });

  it('takes the next queued release as soon as one of its runs ends, without waiting for its poll', async () => {
    // B drives 4 releases at once; 10 are queued while the runtime holds the first 4.
    let letGo: () => void = () => undefined;
    b.driver.hold = new Promise((resolve) => (letGo = resolve));
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { id, token } = await previewed(a, { application: `queued-${i}`, environment: 'staging', spec: SPEC });
      expect((await a.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: token })).status).toBe(202);
      ids.push(id);
    }
    await eventually(async () => b.driver.applyCalls.filter((id) => ids.includes(id)).length === 4, 10_000, 'four running');
    letGo();
    b.driver.hold = null;
    for (const id of ids) expect((await releaseIn(b, id, ['succeeded', 'failed', 'interrupted'], 10_000)).state).toBe('succeeded');
  });

  it('refuses on one replica a token revoked on the other at once, though each remembered it', async () => {
    const created = await a.api(ADMIN_TOKEN, 'POST', '/api/v1/tokens', {
      subject: 'roamer',
      bindings: [{ role: 'viewer', environments: ['*'] }],
    });
    const token = created.body.token as string;
    // Both replicas have just read it: each remembers it for a while.
    for (const srv of [a, b, a, b]) expect((await srv.api(token, 'GET', '/api/v1/me')).status).toBe(200);
    const revokedAt = performance.now();
    expect((await a.api(ADMIN_TOKEN, 'DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(204);
    expect((await a.api(token, 'GET', '/api/v1/me')).status).toBe(401);
    // Sooner than what a replica remembers a token for: only the notification can have told B.
    await eventually(async () => (await b.api(token, 'GET', '/api/v1/releases')).status === 401, 1_000, 'B refuses the token');
    expect(performance.now() - revokedAt).toBeLessThan(1_500);
    for (const path of ['/api/v1/me', '/api/v1/releases', '/api/v1/approvals']) {
      expect((await b.api(token, 'GET', path)).body.code).toBe('UNAUTHENTICATED');
    }
  });

  it("masks a pending release's description in the approval queue of a replica that never read its draft", async () => {
    const secret = 'queue-secret-7c41e9';
    const env = await a.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
      name: 'vault',
      runtime: 'compose',
      target: { project: 'vault' },
      approval: { required: true, allowSelfApproval: true },
    });
    expect(env.status, JSON.stringify(env.body)).toBe(201);
    const spec = { compose: 'services:\n  web:\n    image: web:1\n    environment:\n      DB_PASSWORD: ${PW}\n' };
    const { id, token } = await previewed(a, {
      application: 'web',
      environment: 'vault',
      spec,
      parameters: { PW: secret },
      description: `rotates ${secret} for web`,
    });
    const submitted = await a.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/submit`, { previewToken: token });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    // B has not seen this draft: its secrets are found from the stored draft; then from what B remembers.
    for (let look = 0; look < 2; look++) {
      const queue = await b.api(ADMIN_TOKEN, 'GET', '/api/v1/approvals?status=pending');
      expect(queue.status).toBe(200);
      const item = queue.body.items.find((t: { releaseId: string }) => t.releaseId === id);
      expect(item?.description).toMatch(/^rotates .+ for web$/);
      expect(JSON.stringify(queue.body)).not.toContain(secret);
      expect(item).toMatchObject({ releaseState: 'pending_approval', summary: expect.any(Object) });
    }
  });

  it('reads only the notifications it knows, whatever arrives on its channel', () => {
    const id = '0192f7a4-5b6c-7d8e-9f01-23456789abcd';
    for (const change of [{ kind: 'release', releaseId: id }, { kind: 'work' }, { kind: 'deliveries' }, { kind: 'tokens' }] as const) {
      expect(decodeChange(encodeChange(change)!)).toEqual(change);
    }
    expect(encodeChange({ kind: 'release', releaseId: "x'; drop table releases; --" })).toBeNull();
    for (const hostile of [
      '',
      'r:',
      'r:not-a-uuid',
      `r:${id} `,
      `r:${id}\n`,
      'x',
      'W',
      'T',
      't ',
      'tokens',
      'r:../../etc',
      '{"kind":"work"}',
      `r:${id.toUpperCase()}`,
    ]) {
      expect(decodeChange(hostile), JSON.stringify(hostile)).toBeNull();
    }
  });
});

describe('rate limits across replicas on one PostgreSQL', () => {
  const database = testDatabase('postgres');
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    const limits = { sharedRateLimits: true, rateLimitPerMinute: 10, authFailuresPerMinute: 4 };
    a = await startTestServer({ dialect: 'postgres', database, keepDatabase: true, ...limits });
    b = await startTestServer({ dialect: 'postgres', database, ...limits });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("counts one token's requests on both replicas in one window", async () => {
    const token = await a.tokenFor('ci', 'viewer');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await a.api(token, 'GET', '/api/v1/me')).status, (await b.api(token, 'GET', '/api/v1/me')).status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
    const refused = await b.api(token, 'GET', '/api/v1/me');
    expect([refused.status, refused.body.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it("counts an address's failed authentications on both replicas in one window", async () => {
    for (const srv of [a, b, a, b]) expect((await srv.api('sgt_wrong', 'GET', '/api/v1/me')).status).toBe(401);
    for (const srv of [a, b]) expect((await srv.api('sgt_wrong', 'GET', '/api/v1/me')).status).toBe(429);
  });
});
