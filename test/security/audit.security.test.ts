// The audit trail against someone who can write the database but does not hold the audit key: every rewrite,
// deletion, reordering or forged checkpoint is found, on both dialects.
import { hkdfSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/adapters/storage/database.tables.js';
import { loadAuditSecret } from '../../src/adapters/system/audit-key-file.js';
import { AuditKeyring } from '../../src/adapters/system/audit-keyring.js';
import { createLogger } from '../../src/adapters/system/logger.js';
import { checkpointPayload } from '../../src/core/audit/audit-checkpoint.js';
import { eventHash, legacyEventHash, type NewTimelineEvent, type TimelineEvent } from '../../src/core/audit/timeline-event.js';
import { TEST_AUDIT_KEY } from '../support/audit-keys.js';
import { DIALECTS, testDatabase } from '../support/dialects.js';
import { ADMIN_TOKEN, startTestServer, type ApiResponse, type TestServer } from '../support/test-server.js';

const SEEDED = 8;
const compose = 'services:\n  web:\n    image: web:1.0\n';
const OTHER_KEY = 'another-key-this-server-never-had-0123456789';

/** Everything a response showed, to prove afterwards that no key material ever left the server. */
const shown: string[] = [];

function dbOf(srv: TestServer): Kysely<Database> {
  return (srv.store as unknown as { db: Kysely<Database> }).db;
}

async function events(srv: TestServer): Promise<TimelineEvent[]> {
  return srv.store.timeline.scan(0, 100_000);
}

/** Writes events back over their rows (by seq) and points the head row at the last one, as an attacker would. */
async function overwrite(srv: TestServer, rewritten: TimelineEvent[]): Promise<void> {
  const db = dbOf(srv);
  for (const e of rewritten) {
    await db
      .updateTable('timeline_events')
      .set({ id: e.id, data: JSON.stringify(e.data), prev_hash: e.prevHash, hash: e.hash })
      .where('seq', '=', e.seq)
      .execute();
  }
  const last = rewritten.at(-1)!;
  await db.updateTable('audit_head').set({ seq: last.seq, hash: last.hash }).where('id', '=', 1).execute();
}

/** Rechains every event from `fromSeq` on with `hash`, after applying `edit` to them (an attacker covering tracks). */
function rechain(
  all: TimelineEvent[],
  fromSeq: number,
  hash: (e: Omit<TimelineEvent, 'hash'>) => string,
  edit: (e: TimelineEvent) => TimelineEvent = (e) => e,
): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  let prevHash = all.find((e) => e.seq === fromSeq - 1)?.hash ?? all[0]!.prevHash;
  for (const original of all.filter((e) => e.seq >= fromSeq)) {
    const unhashed = { ...edit(original), prevHash };
    const e = { ...unhashed, hash: hash(unhashed) };
    out.push(e);
    prevHash = e.hash;
  }
  return out;
}

describe.each(DIALECTS)('the audit trail against a database writer (%s)', (dialect) => {
  let srv: TestServer;
  let deployer: string;

  async function call(token: string | null, method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const res = await srv.api(token, method, path, body);
    shown.push(typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
    return res;
  }

  const verify = (checkpoint?: unknown) =>
    checkpoint === undefined
      ? call(ADMIN_TOKEN, 'GET', '/api/v1/audit/verify')
      : call(ADMIN_TOKEN, 'POST', '/api/v1/audit/verify', { checkpoint });

  async function checkpoint() {
    const res = await call(ADMIN_TOKEN, 'GET', '/api/v1/audit/checkpoint');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { seq: number; hash: string; at: string; signature: string; publicKey: string };
  }

  async function seed(n: number) {
    for (let i = 0; i < n; i++) {
      const res = await srv.api(deployer, 'POST', '/api/v1/releases', {
        application: `app${i}`,
        environment: 'staging',
        spec: { compose },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  }

  beforeEach(async () => {
    srv = await startTestServer({ dialect, startExecutor: false });
    expect(
      (await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'audit' } }))
        .status,
    ).toBe(201);
    deployer = await srv.tokenFor('dana', 'deployer');
    await seed(SEEDED);
  });

  afterEach(async () => {
    shown.push(...srv.logs);
    await srv.close();
  });

  it('chains every event with an HMAC and verifies it intact', async () => {
    const all = await events(srv);
    expect(all).toHaveLength(SEEDED);
    for (const e of all) expect(e.hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect((await verify()).body).toEqual({ ok: true, checked: SEEDED, legacyUnkeyed: 0 });
    const cp = await checkpoint();
    expect(cp).toMatchObject({ seq: SEEDED, hash: all.at(-1)!.hash });
    expect((await verify(cp)).body).toEqual({ ok: true, checked: SEEDED, legacyUnkeyed: 0 });
    // The checkpoint's publicKey may be left out: the server checks with its own key anyway.
    const { publicKey: _, ...withoutKey } = cp;
    expect((await verify(withoutKey)).body).toMatchObject({ ok: true });
    expect((await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/audit/verify', {})).body).toEqual({ ok: true, checked: SEEDED, legacyUnkeyed: 0 });
  });

  it('finds an event rewritten and the plain sha256 chain recomputed over it (no key)', async () => {
    const cp = await checkpoint();
    const all = await events(srv);
    await overwrite(
      srv,
      rechain(all, 3, legacyEventHash, (e) => (e.seq === 3 ? { ...e, data: { ...e.data, application: 'forged' } } : e)),
    );
    expect((await verify()).body).toEqual({ ok: false, reason: 'TAMPERED', checked: 2, firstBrokenSeq: 3, legacyUnkeyed: 0 });
    expect((await verify(cp)).body).toMatchObject({ ok: false, reason: 'TAMPERED', firstBrokenSeq: 3 });
  });

  it('finds an event rewritten and the chain recomputed with a wrong HMAC key', async () => {
    const wrong = AuditKeyring.fromSecret(OTHER_KEY);
    const all = await events(srv);
    const forged = rechain(
      all,
      5,
      (e) => eventHash(e, wrong),
      (e) => (e.seq === 5 ? { ...e, data: { forged: true } } : e),
    );
    await overwrite(srv, forged);
    expect((await verify()).body).toMatchObject({ ok: false, reason: 'TAMPERED', checked: 4, firstBrokenSeq: 5 });
  });

  it('finds a deleted tail only against a checkpoint when the head row was cut back too', async () => {
    const cp = await checkpoint();
    const db = dbOf(srv);
    await db
      .deleteFrom('timeline_events')
      .where('seq', '>', SEEDED - 3)
      .execute();
    // With the head row left alone, the missing tail shows on its own.
    expect((await verify()).body).toEqual({
      ok: false,
      reason: 'TRUNCATED',
      checked: SEEDED - 3,
      firstBrokenSeq: SEEDED - 2,
      legacyUnkeyed: 0,
    });
    const last = (await events(srv)).at(-1)!;
    await db.updateTable('audit_head').set({ seq: last.seq, hash: last.hash }).where('id', '=', 1).execute();
    // A shorter chain is still a valid chain: every remaining event links and carries a genuine HMAC. Nothing inside
    // the database says how long it was; that is what a checkpoint kept outside the database is for.
    expect((await verify()).body).toEqual({ ok: true, checked: SEEDED - 3, legacyUnkeyed: 0 });
    expect((await verify(cp)).body).toEqual({
      ok: false,
      reason: 'TRUNCATED',
      checked: SEEDED - 3,
      firstBrokenSeq: SEEDED - 2,
      legacyUnkeyed: 0,
    });
  });

  it('finds a deleted middle event', async () => {
    await dbOf(srv).deleteFrom('timeline_events').where('seq', '=', 4).execute();
    expect((await verify()).body).toEqual({ ok: false, reason: 'TAMPERED', checked: 3, firstBrokenSeq: 4, legacyUnkeyed: 0 });
  });

  it('finds two events swapped', async () => {
    const db = dbOf(srv);
    await db.updateTable('timeline_events').set({ seq: 1_000 }).where('seq', '=', 5).execute();
    await db.updateTable('timeline_events').set({ seq: 5 }).where('seq', '=', 6).execute();
    await db.updateTable('timeline_events').set({ seq: 6 }).where('seq', '=', 1_000).execute();
    expect((await verify()).body).toEqual({ ok: false, reason: 'TAMPERED', checked: 4, firstBrokenSeq: 5, legacyUnkeyed: 0 });
  });

  it('refuses forged, altered and foreign checkpoints with 400 VALIDATION_FAILED', async () => {
    const cp = await checkpoint();
    const other = AuditKeyring.fromSecret(OTHER_KEY);
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const foreignHead = { seq: cp.seq, hash: cp.hash, at: cp.at };
    const refused: Array<[string, unknown, string]> = [
      ['forged signature', { ...cp, signature: flip(cp.signature) }, '/body/checkpoint/signature'],
      ['altered seq', { ...cp, seq: cp.seq - 1 }, '/body/checkpoint/signature'],
      ['altered hash', { ...cp, hash: `hmac-sha256:${'0'.repeat(64)}` }, '/body/checkpoint/signature'],
      ['altered at', { ...cp, at: '2020-01-01T00:00:00.000Z' }, '/body/checkpoint/signature'],
      [
        'signed by another key',
        { ...foreignHead, signature: other.sign(checkpointPayload(foreignHead)), publicKey: other.publicKey },
        '/body/checkpoint/publicKey',
      ],
      [
        'signed by another key, our key claimed',
        { ...foreignHead, signature: other.sign(checkpointPayload(foreignHead)), publicKey: cp.publicKey },
        '/body/checkpoint/signature',
      ],
      [
        'signed by another key, no key claimed',
        { ...foreignHead, signature: other.sign(checkpointPayload(foreignHead)) },
        '/body/checkpoint/signature',
      ],
      ['malformed signature', { ...cp, signature: 'not base64' }, '/body/checkpoint/signature'],
      ['unknown field', { ...cp, trusted: true }, '/body/checkpoint/trusted'],
      ['missing hash', { seq: cp.seq, at: cp.at, signature: cp.signature }, '/body/checkpoint/hash'],
      ['negative seq', { ...cp, seq: -1 }, '/body/checkpoint/seq'],
      ['seq beyond safe integers', { ...cp, seq: 2 ** 60 }, '/body/checkpoint/seq'],
    ];
    for (const [what, body, path] of refused) {
      const res = await verify(body);
      expect(res.status, what).toBe(400);
      expect(res.headers.get('content-type'), what).toContain('application/problem+json');
      expect(res.body.code, what).toBe('VALIDATION_FAILED');
      expect(res.body.errors, what).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    }
    expect((await call(ADMIN_TOKEN, 'POST', '/api/v1/audit/verify', { checkpoint: cp, extra: 1 })).status).toBe(400);
    expect((await verify(cp)).body).toMatchObject({ ok: true });
  });

  it('refuses a checkpoint made by another Shipgate (another audit key)', async () => {
    const database = testDatabase(dialect);
    const other = await startTestServer({ dialect, database, auditKey: OTHER_KEY, startExecutor: false });
    try {
      const theirs = await other.api(ADMIN_TOKEN, 'GET', '/api/v1/audit/checkpoint');
      expect(theirs.status).toBe(200);
      expect(theirs.body.publicKey).not.toBe((await checkpoint()).publicKey);
      expect((await verify(theirs.body)).status).toBe(400);
      const { publicKey: _, ...unclaimed } = theirs.body;
      expect((await verify(unclaimed)).status).toBe(400);
    } finally {
      shown.push(...other.logs);
      await other.close();
    }
  });

  it('verifies an unkeyed legacy prefix, reports it, and refuses an unkeyed event after a keyed one', async () => {
    // An existing database from before the key: its events were chained with plain sha256.
    await overwrite(srv, rechain(await events(srv), 1, legacyEventHash));
    expect((await verify()).body).toEqual({ ok: true, checked: SEEDED, legacyUnkeyed: SEEDED });
    await seed(2);
    const all = await events(srv);
    expect(all.at(-1)!.hash).toMatch(/^hmac-sha256:/);
    expect(all[SEEDED - 1]!.hash).toMatch(/^sha256:/);
    expect(all[SEEDED]!.prevHash).toBe(all[SEEDED - 1]!.hash);
    expect((await verify()).body).toEqual({ ok: true, checked: SEEDED + 2, legacyUnkeyed: SEEDED });
    const cp = await checkpoint();
    // A downgrade: the last keyed event recomputed with plain sha256 (what an attacker without the key can do).
    await overwrite(
      srv,
      rechain(all, SEEDED + 2, legacyEventHash, (e) => ({ ...e, data: { forged: true } })),
    );
    expect((await verify()).body).toEqual({
      ok: false,
      reason: 'TAMPERED',
      checked: SEEDED + 1,
      firstBrokenSeq: SEEDED + 2,
      legacyUnkeyed: SEEDED,
    });
    // Rewriting the whole chain as legacy passes on its own: only a checkpoint pins what the legacy prefix was.
    await overwrite(
      srv,
      rechain(all, 1, legacyEventHash, (e) => (e.seq === 2 ? { ...e, data: { forged: true } } : e)),
    );
    expect((await verify()).body).toMatchObject({ ok: true, legacyUnkeyed: SEEDED + 2 });
    expect((await verify(cp)).body).toMatchObject({ ok: false, reason: 'TAMPERED', firstBrokenSeq: SEEDED + 2 });
  });

  it('exports the events after `after` as NDJSON, page by page, to admins only', async () => {
    const all = await events(srv);
    const res = await fetch(`${srv.url}/api/v1/audit/export?after=3`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const text = await res.text();
    shown.push(text);
    expect(text.endsWith('\n')).toBe(true);
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(all.filter((e) => e.seq > 3));
    const everything = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/audit/export');
    expect(String(everything.body).trimEnd().split('\n')).toHaveLength(SEEDED);
    const none = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/audit/export?after=${SEEDED}`);
    expect([none.status, none.body]).toEqual([200, null]);

    for (const after of ['-1', 'abc', '1.5', '1e400', String(2 ** 60)]) {
      const bad = await call(ADMIN_TOKEN, 'GET', `/api/v1/audit/export?after=${after}`);
      expect([bad.status, bad.body?.code], after).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await call(ADMIN_TOKEN, 'GET', '/api/v1/audit/export?after=1&since=2')).status).toBe(400);
    // "1e400" is coerced to Infinity, which the schema's bounds do not see: refused on every route, never a 500.
    for (const path of [
      '/api/v1/releases?limit=1e400',
      `/api/v1/releases/${all[0]!.releaseId}/timeline?after=1e400`,
      `/api/v1/releases/${all[0]!.releaseId}/timeline?limit=-1e400`,
    ]) {
      const bad = await call(ADMIN_TOKEN, 'GET', path);
      expect([bad.status, bad.body?.code], path).toEqual([400, 'VALIDATION_FAILED']);
    }
    const forbidden = await call(deployer, 'GET', '/api/v1/audit/export');
    expect([forbidden.status, forbidden.body.code]).toEqual([403, 'FORBIDDEN']);
    expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(forbidden.body)).not.toContain(all[0]!.id);
    const anonymous = await call(null, 'GET', '/api/v1/audit/export');
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    for (const path of ['/api/v1/audit/checkpoint', '/api/v1/audit/verify']) {
      expect((await call(deployer, 'GET', path)).status, path).toBe(403);
      expect((await call(null, 'GET', path)).status, path).toBe(401);
    }
    expect((await call(deployer, 'POST', '/api/v1/audit/verify', {})).status).toBe(403);

    // More events than one page: read in pages, still exactly in seq order.
    const [release] = await dbOf(srv).selectFrom('releases').select('id').limit(1).execute();
    const template = all[0]!;
    const extra = Array.from(
      { length: 2_100 },
      (_, i): NewTimelineEvent => ({
        ...template,
        id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
        releaseId: release!.id,
        type: 'release.updated',
        data: { i },
      }),
    );
    await srv.store.transaction((tx) => tx.timeline.append(extra));
    const scan = vi.spyOn(srv.store.timeline, 'scan');
    const big = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/audit/export?after=5');
    const seqs = String(big.body)
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as TimelineEvent).seq);
    expect(seqs).toEqual(Array.from({ length: SEEDED + 2_100 - 5 }, (_, i) => i + 6));
    expect(scan.mock.calls.map(([after, limit]) => [after, limit])).toEqual([
      [5, 1000],
      [1005, 1000],
      [2005, 1000],
    ]);
    scan.mockRestore();
    expect((await verify()).body).toEqual({ ok: true, checked: SEEDED + 2_100, legacyUnkeyed: 0 });
  });
});

describe('the audit key', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipgate-audit-key-'));
    dirs.push(dir);
    return dir;
  };

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('is generated once into <data dir>/audit.key with mode 0600, and reused on restart', async () => {
    const dataDir = join(tempDir(), 'data');
    const first = loadAuditSecret({ secret: null, dataDir });
    expect(first).toMatchObject({ source: 'file-created', path: join(dataDir, 'audit.key') });
    expect(first.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(first.path!).mode & 0o777).toBe(0o600);
    const again = loadAuditSecret({ secret: null, dataDir });
    expect(again).toEqual({ ...first, source: 'file' });

    // A restart of a server on the same SQLite file and data directory keeps verifying what the first one wrote.
    const database = testDatabase('sqlite');
    const start = () =>
      startTestServer({
        dialect: 'sqlite',
        database,
        keepDatabase: true,
        startExecutor: false,
        auditKey: loadAuditSecret({ secret: null, dataDir }).secret,
      });
    const before = await start();
    await before.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'audit' } });
    const deployer = await before.tokenFor('dana', 'deployer');
    expect(
      (await before.api(deployer, 'POST', '/api/v1/releases', { application: 'web', environment: 'staging', spec: { compose } })).status,
    ).toBe(201);
    const cp = (await before.api(ADMIN_TOKEN, 'GET', '/api/v1/audit/checkpoint')).body;
    shown.push(JSON.stringify(cp), ...before.logs);
    await before.close();
    const after = await start();
    try {
      const res = await after.api(ADMIN_TOKEN, 'POST', '/api/v1/audit/verify', { checkpoint: cp });
      expect(res.body).toEqual({ ok: true, checked: 1, legacyUnkeyed: 0 });
      expect((await after.api(ADMIN_TOKEN, 'GET', '/api/v1/audit/checkpoint')).body.publicKey).toBe(cp.publicKey);
      shown.push(JSON.stringify(res.body), ...after.logs);
    } finally {
      await after.close();
      await database.drop();
    }
    for (const text of shown) expect(text).not.toContain(first.secret);
  });

  it('comes from SHIPGATE_AUDIT_KEY when set, and then no file is written', () => {
    const dataDir = tempDir();
    expect(loadAuditSecret({ secret: OTHER_KEY, dataDir })).toEqual({ secret: OTHER_KEY, source: 'environment', path: null });
    expect(() => statSync(join(dataDir, 'audit.key'))).toThrow();
  });

  it('refuses a key file others may read, and one too short to be a key', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'audit.key'), `${'a'.repeat(64)}\n`, { mode: 0o644 });
    expect(() => loadAuditSecret({ secret: null, dataDir })).toThrow(/chmod 600/);
    const shortDir = tempDir();
    writeFileSync(join(shortDir, 'audit.key'), 'short\n', { mode: 0o600 });
    expect(() => loadAuditSecret({ secret: null, dataDir: shortDir })).toThrow(/fewer than 32/);
    expect(() => AuditKeyring.fromSecret('short')).toThrow();
  });

  it('never appears in a response or a log line, nor does anything derived from it but the public key', () => {
    expect(shown.length).toBeGreaterThan(50);
    const keyed = AuditKeyring.fromSecret(TEST_AUDIT_KEY);
    const seed = Buffer.from(hkdfSync('sha256', Buffer.from(TEST_AUDIT_KEY), Buffer.alloc(0), 'shipgate audit checkpoint ed25519 v1', 32));
    const secrets = [
      TEST_AUDIT_KEY,
      ...[Buffer.from(TEST_AUDIT_KEY), seed].flatMap((b) => [b.toString('base64'), b.toString('base64url'), b.toString('hex')]),
    ];
    for (const text of shown) for (const secret of secrets) expect(text).not.toContain(secret);
    expect(JSON.stringify(keyed)).toBe(JSON.stringify({ publicKey: keyed.publicKey }));
    // Even a careless log line of the configuration or the keyring shows no key.
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    logger.info({ auditKey: TEST_AUDIT_KEY, config: { auditKey: TEST_AUDIT_KEY }, keys: keyed }, 'configuration');
    expect(lines).toHaveLength(1);
    for (const secret of secrets) expect(lines[0]).not.toContain(secret);
  });
});
