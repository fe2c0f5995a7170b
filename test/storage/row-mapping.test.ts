import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../src/adapters/storage/database.js';
import type { KyselyStore } from '../../src/adapters/storage/kysely-store.js';
import type { ApprovalTicket } from '../../src/core/approval/approval.js';
import type { Diagnostics } from '../../src/core/diagnostics/diagnostics.js';
import type { Environment } from '../../src/core/environment/environment.js';
import { DEFAULT_POLICY } from '../../src/core/policy/policy.js';
import { NOT_STARTED, type ReleaseRecord } from '../../src/core/release/release.js';
import type { TokenRecord } from '../../src/ports/store.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../support/dialects.js';
import { at, ids, releaseRecord } from './records.fixture.js';

// Every repository's rows round-trip to domain records, and rows written before a column existed read as its default.

function environment(name: string, over: Partial<Environment> = {}): Environment {
  return {
    name,
    runtime: 'kubernetes',
    target: { namespace: name },
    production: true,
    approval: { required: true, minApprovers: 2, allowSelfApproval: true, ticketTtlSeconds: 120, rollbackWithoutApproval: true },
    previewTtlSeconds: 30,
    applyTimeoutSeconds: 90,
    freezeWindows: [{ start: at(), end: at(60_000), reason: 'launch' }],
    policy: { profile: 'baseline', allowHostPaths: [], rules: [] },
    promotion: { from: 'staging', soakSeconds: 600 },
    verification: {
      windowSeconds: 30,
      maxRestarts: 1,
      httpProbe: { url: 'http://web.internal/healthz', expectStatus: 204 },
      autoRollback: true,
    },
    createdAt: at(),
    updatedAt: at(),
    ...over,
  };
}

/** A release in `environmentName` waiting for approval, made through the AI channel. */
function release(environmentName: string, over: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return releaseRecord({ environment: environmentName, runtime: 'kubernetes', state: 'pending_approval', channel: 'ai', ...over });
}

function ticket(r: ReleaseRecord, over: Partial<ApprovalTicket> = {}): ApprovalTicket {
  return {
    id: ids.newId(),
    releaseId: r.id,
    application: r.application,
    environment: r.environment,
    status: 'pending',
    minApprovers: 1,
    allowSelfApproval: true,
    draftDigest: r.draftDigest,
    requestedBy: 'dana',
    requestedAt: at(),
    expiresAt: at(60_000),
    closedAt: null,
    decisions: [],
    ...over,
  };
}

describe.each(DIALECTS)('row mapping (%s)', (dialect) => {
  let db: TestDatabase;
  let store: KyselyStore;
  let raw: OpenDatabase;
  const prod = `prod-${dialect}`;
  const qa = `qa-${dialect}`;

  beforeAll(async () => {
    db = testDatabase(dialect);
    store = await db.open();
    raw = await openDatabase({ url: db.url, ...(db.schema ? { schema: db.schema } : {}) });
    await store.environments.insert(environment(qa, { production: false }));
    await store.environments.insert(environment(prod));
  });

  afterAll(async () => {
    await raw?.close();
    await store?.close();
    await db?.drop();
  });

  it('round-trips environments, lists them by name and updates all but the name', async () => {
    const before = await store.environments.get(prod);
    expect(before).toEqual(
      environment(prod, { freezeWindows: before!.freezeWindows, createdAt: before!.createdAt, updatedAt: before!.updatedAt }),
    );
    const changed = {
      ...before!,
      production: false,
      policy: { profile: 'privileged' as const, allowHostPaths: ['/data'], rules: [] },
      updatedAt: at(1),
    };
    await store.environments.update(changed);
    expect(await store.environments.get(prod)).toEqual(changed);
    expect((await store.environments.list()).map((e) => e.name)).toEqual([prod, qa]);
    expect(await store.environments.get('missing')).toBeNull();
  });

  it('reads rows from before later migrations with their defaults', async () => {
    const r = release(qa, { authors: ['dana', 'eli'] });
    await store.releases.insert(r);
    const previewId = ids.newId();
    await store.previews.insert({
      id: previewId,
      releaseId: r.id,
      draftRevision: 2,
      draftDigest: 'sha256:d',
      liveDigest: 'sha256:l',
      tokenHash: ids.newId(),
      createdAt: at(),
      expiresAt: at(1000),
      consumedAt: null,
      summary: { create: 0, update: 1, delete: 0, unchanged: 0 },
      changes: [],
      policy: { passed: false, violations: [] },
      policyDigest: null,
      createdBy: null,
      conversationId: null,
    });
    await raw.db.updateTable('environments').set({ policy: null }).where('name', '=', qa).execute();
    await raw.db.updateTable('releases').set({ authors: null }).where('id', '=', r.id).execute();
    await raw.db.updateTable('previews').set({ policy: null }).where('id', '=', previewId).execute();
    const env = await store.environments.get(qa);
    expect(env?.policy).toEqual(DEFAULT_POLICY);
    expect(env?.policy).not.toBe(DEFAULT_POLICY);
    expect((await store.releases.get(r.id))?.authors).toEqual(['dana']);
    expect((await store.previews.get(previewId))?.policy).toEqual({ passed: true, violations: [] });
  });

  it('patches only the columns named, and finds the last success before a release', async () => {
    const first = release(prod, { state: 'succeeded' });
    const second = release(prod, { state: 'succeeded' });
    const third = release(prod, { state: 'draft', description: 'keep' });
    for (const r of [first, second, third]) await store.releases.insert(r);
    const execution = {
      stage: 'queued' as const,
      attempt: 1,
      startedAt: at(),
      finishedAt: null,
      message: 'queued',
      verifyUntil: at(30_000),
    };
    expect(await store.releases.compareAndSet(third.id, 'draft', { state: 'applying', execution, runtimeState: { images: ['x'] } })).toBe(
      true,
    );
    expect(await store.releases.get(third.id)).toEqual({ ...third, state: 'applying', execution, runtimeState: { images: ['x'] } });
    expect(await store.releases.compareAndSet(third.id, 'applying', { runtimeState: null })).toBe(true);
    expect((await store.releases.get(third.id))?.runtimeState).toBeNull();
    expect((await store.releases.lastSucceeded('web', prod, null))?.id).toBe(second.id);
    expect((await store.releases.lastSucceeded('web', prod, second.id))?.id).toBe(first.id);
    expect(await store.releases.lastSucceeded('web', prod, first.id)).toBeNull();
    expect(
      (await store.releases.list({ readable: 'all', environment: prod, state: 'succeeded', application: 'web', limit: 10 })).map(
        (x) => x.id,
      ),
    ).toEqual([second.id, first.id]);
  });

  it('leases: unclaimed work, renewal by its owner only, release of the lease', async () => {
    const r = release(prod, { state: 'applying', execution: { ...NOT_STARTED, stage: 'queued' } });
    await store.releases.insert(r);
    expect((await store.releases.unclaimed(100)).map((x) => x.id)).toContain(r.id);
    expect(await store.releases.claim(r.id, 'a', at(60_000))).toBe(true);
    expect((await store.releases.unclaimed(100)).map((x) => x.id)).not.toContain(r.id);
    expect((await store.releases.expiredLeases(at(), 100)).map((x) => x.id)).not.toContain(r.id);
    await store.releases.releaseLease(r.id, 'b');
    expect(await store.releases.renewLease(r.id, 'a', at(60_000))).toBe(true);
    await store.releases.releaseLease(r.id, 'a');
    expect(await store.releases.renewLease(r.id, 'a', at(60_000))).toBe(false);
    expect((await store.releases.unclaimed(100)).map((x) => x.id)).toContain(r.id);
  });

  it('round-trips tickets with their decisions, lists readable ones and finds the expired', async () => {
    const r = release(prod);
    await store.releases.insert(r);
    const decided = ticket(r, { decisions: [{ approver: 'bob', decision: 'approve', comment: 'ok', at: at() }] });
    const stale = ticket(r, { allowSelfApproval: false, expiresAt: at(-1000) });
    await store.approvals.insert(decided);
    await store.approvals.insert(stale);
    expect(await store.approvals.get(decided.id)).toEqual(decided);
    expect(await store.transaction((tx) => tx.approvals.get(stale.id, { lock: true }))).toEqual(stale);
    expect(await store.approvals.get(ids.newId())).toBeNull();
    expect((await store.approvals.list({ readable: [prod], status: 'pending', limit: 10 })).map((t) => t.id)).toEqual([
      decided.id,
      stale.id,
    ]);
    expect(await store.approvals.list({ readable: [qa], limit: 10 })).toEqual([]);
    expect(await store.approvals.list({ readable: [], limit: 10 })).toEqual([]);
    expect((await store.approvals.expired(at(), 10)).map((t) => t.id)).toEqual([stale.id]);
  });

  it('keeps the timeline head in step with the chain', async () => {
    const r = release(prod);
    await store.releases.insert(r);
    const before = await store.timeline.head();
    expect(await store.timeline.append([])).toEqual([]);
    const [event] = await store.transaction((tx) =>
      tx.timeline.append([
        {
          id: ids.newId(),
          releaseId: r.id,
          type: 'release.created',
          at: at(),
          actor: { type: 'user', id: 'dana' },
          channel: 'ai',
          release: { application: 'web', environment: prod, runtime: 'kubernetes', kind: 'deploy' },
          data: { note: 'x' },
        },
      ]),
    );
    expect(event?.prevHash).toBe(before.hash);
    expect(await store.timeline.head()).toEqual({ seq: before.seq + 1, hash: event!.hash });
    expect(await store.timeline.headSeq()).toBe(before.seq + 1);
    expect(await store.timeline.listByRelease(r.id, 0, 10)).toEqual([event]);
    expect(await store.timeline.scan(before.seq, 10)).toEqual([event]);
  });

  it('round-trips tokens, revokes once and counts them', async () => {
    const count = await store.tokens.count();
    const token: TokenRecord = {
      id: ids.newId(),
      subject: 'ci',
      tokenHash: ids.newId(),
      bindings: [{ role: 'deployer', environments: [qa] }],
      createdAt: at(),
      createdBy: 'admin',
      expiresAt: null,
      revokedAt: null,
    };
    await store.tokens.insert(token);
    expect(await store.tokens.get(token.id)).toEqual(token);
    expect(await store.tokens.getByHash(token.tokenHash)).toEqual(token);
    expect(await store.tokens.getByHash('nope')).toBeNull();
    const revokedAt = at();
    expect(await store.tokens.revoke(token.id, revokedAt)).toBe(true);
    expect(await store.tokens.revoke(token.id, at())).toBe(false);
    expect((await store.tokens.list()).at(-1)).toEqual({ ...token, revokedAt });
    expect(await store.tokens.count()).toBe(count + 1);
  });

  it('keeps the latest diagnostics of a release', async () => {
    const r = release(prod);
    await store.releases.insert(r);
    const diagnostics = (summary: string): Diagnostics => ({
      releaseId: r.id,
      runtime: 'kubernetes',
      state: 'failed',
      collectedAt: at(),
      summary,
      findings: [{ severity: 'error', code: 'CrashLoop', resource: { kind: 'Pod', name: 'api' }, message: 'crashes', evidence: 'exit 1' }],
      resources: [],
      logs: [{ resource: 'api', lines: ['boom'] }],
    });
    expect(await store.diagnostics.get(r.id)).toBeNull();
    await store.diagnostics.put(diagnostics('first'));
    const latest = diagnostics('second');
    await store.diagnostics.put(latest);
    expect(await store.diagnostics.get(r.id)).toEqual(latest);
  });

  it('lists conversations newest first and round-trips messages', async () => {
    const older = {
      id: ids.newId(),
      subject: `sam-${dialect}`,
      title: 'one',
      state: {},
      version: 0,
      createdAt: at(-2000),
      updatedAt: at(-2000),
    };
    const newer = { ...older, id: ids.newId(), title: 'two', createdAt: at(-1000), updatedAt: at(-1000) };
    await store.conversations.insert(older);
    await store.conversations.insert(newer);
    expect(await store.conversations.listBySubject(older.subject, 10)).toEqual([newer, older]);
    expect(await store.conversations.get(ids.newId())).toBeNull();
    const message = {
      id: ids.newId(),
      conversationId: older.id,
      role: 'assistant' as const,
      text: 'hi',
      actions: [],
      releaseId: null,
      at: at(),
    };
    await store.conversations.addMessage(message);
    expect(await store.conversations.messages(older.id, 5)).toEqual([message]);
  });
});
