import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS, type Dialect } from '../support/dialects.js';
import { openSse, type SseEvent, type SseStream } from '../support/sse-reader.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';

const SPEC = { compose: 'services:\n  web:\n    image: web:1\n' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Issues a token through the API and returns its id and secret. */
async function issue(srv: TestServer, subject: string, role: string, environments: string[], expiresInSeconds?: number) {
  const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/tokens', {
    subject,
    bindings: [{ role, environments }],
    ...(expiresInSeconds ? { expiresInSeconds } : {}),
  });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, token: res.body.token as string };
}

async function draft(srv: TestServer): Promise<string> {
  const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', { application: 'web', environment: 'staging', spec: SPEC });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** Opens the release's stream as `token` and waits for its first release frame. */
async function follow(srv: TestServer, id: string, token: string): Promise<SseStream> {
  const stream = await openSse(`${srv.url}/api/v1/releases/${id}/stream`, bearer(token));
  expect(stream.status).toBe(200);
  await stream.until((events) => events.some((e) => e.event === 'release'));
  return stream;
}

const endOf = (events: SseEvent[]) => {
  const last = events.at(-1);
  expect(last?.event).toBe('end');
  return last!.data as { reason: string; reconnect: boolean };
};

function expectRateLimited(res: { status: number; headers: Headers; body: any }) {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.headers.get('content-type')).not.toContain('text/event-stream');
  expect(res.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
}

async function withServer(
  dialect: Dialect,
  options: Omit<Parameters<typeof startTestServer>[0], 'dialect'>,
  work: (srv: TestServer) => Promise<void>,
) {
  const srv = await startTestServer({ dialect, ...options });
  try {
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'p' } });
    await work(srv);
  } finally {
    await srv.close();
  }
}

describe.each(DIALECTS)('release streams re-check the caller (%s)', (dialect) => {
  let srv: TestServer;
  const open: SseStream[] = [];

  beforeAll(async () => {
    srv = await startTestServer({ dialect });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'p' } });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    open.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => srv?.close());

  it('closes the open stream of a token that is revoked, and refuses it afterwards', async () => {
    const id = await draft(srv);
    const vera = await issue(srv, 'vera', 'viewer', ['staging']);
    const stream = await follow(srv, id, vera.token);
    open.push(stream);
    expect((await srv.api(ADMIN_TOKEN, 'DELETE', `/api/v1/tokens/${vera.id}`)).status).toBe(204);
    expect(endOf(await stream.end(8_000))).toEqual({ reason: 'unauthenticated', reconnect: false });
    const again = await openSse(`${srv.url}/api/v1/releases/${id}/stream`, bearer(vera.token));
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('UNAUTHENTICATED');
    // The token kept for the re-checks never reaches a log line.
    expect(srv.logs.join('\n')).not.toContain(vera.token);
  });

  it('closes the open stream of a token that expires', async () => {
    const id = await draft(srv);
    const eve = await issue(srv, 'eve', 'viewer', ['*'], 60);
    const stream = await follow(srv, id, eve.token);
    open.push(stream);
    srv.clock.advance(61_000);
    expect(endOf(await stream.end(8_000))).toEqual({ reason: 'unauthenticated', reconnect: false });
  });

  it('closes the open stream of a caller who lost read permission on the environment', async () => {
    const id = await draft(srv);
    const nora = await issue(srv, 'nora', 'viewer', ['staging']);
    const stream = await follow(srv, id, nora.token);
    open.push(stream);
    const before = stream.events.length;
    // Narrow what the same token grants (as a changed role mapping would) from now on.
    const access = srv.shipgate.access;
    const authenticate = access.authenticate.bind(access);
    vi.spyOn(access, 'authenticate').mockImplementation(async (token) => {
      const found = await authenticate(token);
      return token === nora.token
        ? { ...found, principal: { ...found.principal, bindings: [{ role: 'viewer', environments: ['elsewhere'] }] } }
        : found;
    });
    await srv.api(ADMIN_TOKEN, 'PATCH', `/api/v1/releases/${id}`, { description: 'after the narrowing' });
    const events = await stream.end(8_000);
    expect(endOf(events)).toEqual({ reason: 'forbidden', reconnect: false });
    // Nothing of the release was sent after the permission was lost.
    expect(events.slice(before, -1).filter((e) => e.event === 'timeline' && e.data.type === 'release.updated')).toEqual([]);
    expect(JSON.stringify(events.slice(before))).not.toContain('after the narrowing');
  });

  it('closes the stream of a revoked broad token; the narrower token that replaces it is refused before anything is sent', async () => {
    const id = await draft(srv);
    const broad = await issue(srv, 'omar', 'viewer', ['*']);
    const narrow = await issue(srv, 'omar', 'viewer', ['elsewhere']);
    const stream = await follow(srv, id, broad.token);
    open.push(stream);
    await srv.api(ADMIN_TOKEN, 'DELETE', `/api/v1/tokens/${broad.id}`);
    expect(endOf(await stream.end(8_000)).reason).toBe('unauthenticated');
    const refused = await openSse(`${srv.url}/api/v1/releases/${id}/stream`, bearer(narrow.token));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.code).toBe('FORBIDDEN');
    expect(JSON.stringify(refused.body)).not.toContain('release.created');
  });

  it('ends after the release reaches a terminal state, once its last events and frame are sent', async () => {
    const id = await draft(srv);
    const stream = await follow(srv, id, ADMIN_TOKEN);
    open.push(stream);
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/preview`);
    expect((await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: p.body.preview.token })).status).toBe(202);
    const events = await stream.end(15_000);
    expect(endOf(events)).toEqual({ reason: 'terminal', reconnect: false });
    const frames = events.filter((e) => e.event === 'release');
    expect(frames.at(-1)!.data.state).toBe('succeeded');
    expect(events.at(-2)!.event).toBe('release');
    const types = events.filter((e) => e.event === 'timeline').map((e) => e.data.type);
    expect(types).toEqual(expect.arrayContaining(['execution.succeeded', 'release.state_changed']));
  });

  it('ends at once on a release that is already terminal (and on resume from its last event)', async () => {
    const id = await draft(srv);
    expect((await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/cancel`)).status).toBe(200);
    const stream = await openSse(`${srv.url}/api/v1/releases/${id}/stream`, bearer(ADMIN_TOKEN));
    const events = await stream.end(8_000);
    expect(endOf(events).reason).toBe('terminal');
    expect(events.filter((e) => e.event === 'release').at(-1)!.data.state).toBe('cancelled');
    const lastSeq = events.filter((e) => e.event === 'timeline').at(-1)!.id!;
    const resumed = await openSse(`${srv.url}/api/v1/releases/${id}/stream`, { ...bearer(ADMIN_TOKEN), 'last-event-id': lastSeq });
    const again = await resumed.end(8_000);
    expect(again.map((e) => e.event)).toEqual(['release', 'end']);
  });
});

describe.each(DIALECTS)('release stream lifetime and caps (%s)', (dialect) => {
  it('ends a stream after its maximum lifetime, asking the client to reconnect', async () => {
    await withServer(dialect, { streams: { maxSeconds: 1 } }, async (srv) => {
      const id = await draft(srv);
      const started = Date.now();
      const stream = await follow(srv, id, ADMIN_TOKEN);
      const events = await stream.end(8_000);
      expect(endOf(events)).toEqual({ reason: 'max_lifetime', reconnect: true });
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    });
  });

  it('answers 429 past the per-token and the overall caps, without hijacking the reply', async () => {
    await withServer(dialect, { streams: { maxPerToken: 2, maxTotal: 3 } }, async (srv) => {
      const id = await draft(srv);
      const ana = await issue(srv, 'ana', 'viewer', ['*']);
      const ben = await issue(srv, 'ben', 'viewer', ['*']);
      const streams = [await follow(srv, id, ana.token), await follow(srv, id, ana.token)];
      try {
        const third = await srv.api(ana.token, 'GET', `/api/v1/releases/${id}/stream`);
        expectRateLimited(third);
        expect(third.body.detail).toContain('token');
        streams.push(await follow(srv, id, ben.token));
        const overall = await srv.api(ben.token, 'GET', `/api/v1/releases/${id}/stream`);
        expectRateLimited(overall);
        expect(overall.body.detail).toContain('server');
        // A refused request held no slot, and a closed stream gives its slot back.
        streams.shift()!.close();
        const reopened = await eventually(
          async () => {
            const s = await openSse(`${srv.url}/api/v1/releases/${id}/stream`, bearer(ana.token));
            if (s.status === 200) return s;
            expect(s.status).toBe(429);
            return null;
          },
          8_000,
          'a free stream slot',
        );
        streams.push(reopened);
      } finally {
        streams.forEach((s) => s.close());
      }
    });
  });
});

describe.each(DIALECTS)('rate limits around authentication (%s)', (dialect) => {
  it('answers a flood of bad tokens from one address with 429s, without a token lookup each', async () => {
    await withServer(dialect, { rateLimitPerMinute: 100_000, authFailuresPerMinute: 20 }, async (srv) => {
      const lookups = vi.spyOn(srv.store.tokens, 'getByHash');
      const spellings = (i: number): Record<string, string> => {
        switch (i % 7) {
          case 0:
            return { authorization: `Bearer bad-${i}` };
          case 1:
            return { authorization: `bearer   bad-${i}` };
          case 2:
            return { authorization: `BEARER bad-${i}  ` };
          case 3:
            return { authorization: 'Bearer' };
          case 4:
            return {};
          case 5:
            return { authorization: `Basic ${Buffer.from(`u:${i}`).toString('base64')}` };
          default:
            return { authorization: `Bearer\tsgt_${'x'.repeat(40)}${i}` };
        }
      };
      const statuses: number[] = [];
      const presented: number[] = [];
      for (let batch = 0; batch < 20; batch++) {
        const requests = Array.from({ length: 50 }, (_, k) => spellings(batch * 50 + k));
        const results = await Promise.all(requests.map((headers) => srv.api(null, 'GET', '/api/v1/me', undefined, headers)));
        results.forEach((res, k) => {
          statuses.push(res.status);
          if (Object.keys(requests[k]!).length > 0) presented.push(res.status);
          if (res.status === 429) expectRateLimited(res);
          else expect(res.body.code).toBe('UNAUTHENTICATED');
        });
      }
      expect(statuses).toHaveLength(1_000);
      // Requests without any credential cost no lookup and are not charged, but a spent address refuses them too.
      expect(presented.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(40);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(960);
      expect(lookups.mock.calls.length).toBeLessThanOrEqual(20);
      // The address is refused before authentication: even a good token from it waits for the window, unlooked-up.
      const calls = lookups.mock.calls.length;
      expectRateLimited(await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/me'));
      expect(lookups.mock.calls.length).toBe(calls);
    });
  });

  it('ends every open stream with a reconnect hint when the server stops', async () => {
    await withServer(dialect, {}, async (srv) => {
      const id = await draft(srv);
      const streams = [await follow(srv, id, ADMIN_TOKEN), await follow(srv, id, ADMIN_TOKEN)];
      const ending = streams.map((s) => s.end(5_000));
      await srv.app.close();
      for (const events of await Promise.all(ending)) expect(endOf(events)).toEqual({ reason: 'shutdown', reconnect: true });
    });
  });

  it('does not charge requests without a credential (a signed-out page asking who is signed in) to the address', async () => {
    await withServer(dialect, { rateLimitPerMinute: 100_000, authFailuresPerMinute: 5 }, async (srv) => {
      for (let i = 0; i < 30; i++) {
        const res = await srv.api(null, 'GET', '/api/v1/me');
        expect(res.status, `signed-out request ${i}`).toBe(401);
        expect(res.body.code).toBe('UNAUTHENTICATED');
      }
      expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/me')).status, 'the budget is untouched').toBe(200);
      // Anything presented is charged: a bad bearer token, a bad session cookie, a malformed header, an empty bearer.
      const hostile: Record<string, string>[] = [
        { authorization: 'Bearer sgt_nope' },
        { cookie: 'shipgate_session=forged' },
        { authorization: 'Basic dTpw' },
        { authorization: 'Bearer' },
        { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' },
      ];
      for (const headers of hostile) expect((await srv.api(null, 'GET', '/api/v1/me', undefined, headers)).status).toBe(401);
      expectRateLimited(await srv.api(null, 'GET', '/api/v1/me', undefined, { authorization: 'Bearer sgt_again' }));
      expectRateLimited(await srv.api(null, 'GET', '/api/v1/me'));
    });
  });

  it('keys an authenticated client by its token id, however the header is spelled', async () => {
    await withServer(dialect, { rateLimitPerMinute: 6 }, async (srv) => {
      const { token } = await issue(srv, 'carl', 'viewer', ['*']);
      const spellings = [
        `Bearer ${token}`,
        `bearer ${token}`,
        `BEARER   ${token}`,
        `Bearer\t${token}`,
        `bEaReR ${token}   `,
        `Bearer  ${token}`,
      ];
      for (const authorization of spellings)
        expect((await srv.api(null, 'GET', '/api/v1/me', undefined, { authorization })).status).toBe(200);
      expectRateLimited(await srv.api(null, 'GET', '/api/v1/me', undefined, { authorization: `bearer ${token}` }));
      // Another token has a bucket of its own; so does the bootstrap admin token, under its stable id.
      const other = await issue(srv, 'dora', 'viewer', ['*']);
      expect((await srv.api(other.token, 'GET', '/api/v1/me')).status).toBe(200);
      const admin = [`bearer ${ADMIN_TOKEN}`, `BEARER  ${ADMIN_TOKEN}`];
      const adminStatuses: number[] = [];
      for (let i = 0; i < 5; i++)
        adminStatuses.push((await srv.api(null, 'GET', '/api/v1/me', undefined, { authorization: admin[i % 2]! })).status);
      // Three of the admin token's six were spent on the environment and the two tokens above.
      expect(adminStatuses).toEqual([200, 200, 200, 429, 429]);
    });
  });
});

describe.each(DIALECTS)('GET /tokens (%s)', (dialect) => {
  it('lists tokens to an admin without secrets or hashes, and refuses anyone else', async () => {
    await withServer(dialect, {}, async (srv) => {
      const kept = await issue(srv, 'kim', 'deployer', ['staging'], 3_600);
      const gone = await issue(srv, 'lou', 'viewer', ['*']);
      await srv.api(ADMIN_TOKEN, 'DELETE', `/api/v1/tokens/${gone.id}`);
      const res = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/tokens');
      expect(res.status).toBe(200);
      const items = res.body.items as Array<Record<string, unknown>>;
      expect(items.map((t) => t['id'])).toEqual([kept.id, gone.id]);
      for (const item of items)
        expect(Object.keys(item).sort()).toEqual(['bindings', 'createdAt', 'createdBy', 'expiresAt', 'id', 'revokedAt', 'subject']);
      expect(items[0]).toMatchObject({
        subject: 'kim',
        bindings: [{ role: 'deployer', environments: ['staging'] }],
        createdBy: 'admin',
        revokedAt: null,
      });
      expect(items[0]!['expiresAt']).toEqual(expect.any(String));
      expect(items[1]!['revokedAt']).toEqual(expect.any(String));
      const text = JSON.stringify(res.body);
      for (const secret of [kept.token, gone.token, ADMIN_TOKEN]) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/hash|"token"/i);

      for (const [role, environments] of [
        ['viewer', ['*']],
        ['deployer', ['*']],
        ['approver', ['*']],
        ['admin', ['staging']],
      ] as const) {
        const { token } = await issue(srv, `not-admin-${role}`, role, [...environments]);
        const refused = await srv.api(token, 'GET', '/api/v1/tokens');
        expect(refused.status).toBe(403);
        expect(refused.headers.get('content-type')).toContain('application/problem+json');
        expect(refused.body.code).toBe('FORBIDDEN');
        expect(JSON.stringify(refused.body)).not.toContain('kim');
      }
      expect((await srv.api(null, 'GET', '/api/v1/tokens')).status).toBe(401);
    });
  });

  it('bounds expiresInSeconds on token creation', async () => {
    await withServer(dialect, {}, async (srv) => {
      for (const expiresInSeconds of [0, -1, 1.5, 31_536_000 * 5 + 1, 1e308]) {
        const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/tokens', {
          subject: 's',
          bindings: [{ role: 'viewer', environments: ['*'] }],
          expiresInSeconds,
        });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
    });
  });
});

describe('the bootstrap admin token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-admin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start with an admin token shorter than 24 characters, without printing it', async () => {
    const short = 'dev-admin-token-short';
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        PORT: '0',
        SHIPGATE_DATABASE_URL: `sqlite:${join(dir, 'shipgate.db')}`,
        SHIPGATE_ADMIN_TOKEN: short,
        SHIPGATE_RUNTIMES: 'compose',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain('SHIPGATE_ADMIN_TOKEN must be at least 24 characters');
    expect(output).not.toContain(short);
    expect(output).not.toContain('is listening');
  });
});
