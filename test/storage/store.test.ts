import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../src/adapters/storage/kysely-store.js';
import { ChainVerifier } from '../../src/core/audit/timeline-event.js';
import { NOT_STARTED } from '../../src/core/release/release.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../support/dialects.js';
import { testAuditKeys } from '../support/audit-keys.js';
import { at as now, ids, releaseRecord as release, ticketRecord } from './records.fixture.js';

describe.each(DIALECTS)('KyselyStore (%s)', (dialect) => {
  let db: TestDatabase;
  let store: KyselyStore;

  beforeAll(async () => {
    db = testDatabase(dialect);
    store = await db.open();
    await store.environments.insert({
      name: 'staging',
      runtime: 'compose',
      target: { project: 'p' },
      production: false,
      approval: { required: false, minApprovers: 1, allowSelfApproval: false, ticketTtlSeconds: 60, rollbackWithoutApproval: false },
      previewTtlSeconds: 60,
      applyTimeoutSeconds: 60,
      freezeWindows: [],
      policy: { profile: 'baseline', allowHostPaths: ['/srv/data'], rules: [] },
      promotion: null,
      verification: null,
      createdAt: now(),
      updatedAt: now(),
    });
  });

  it("keeps an environment policy, a release's authors and a preview's policy verdict", async () => {
    expect((await store.environments.get('staging'))?.policy).toEqual({ profile: 'baseline', allowHostPaths: ['/srv/data'], rules: [] });
    const r = release({ authors: ['dana', 'eli'] });
    await store.releases.insert(r);
    expect((await store.releases.get(r.id))?.authors).toEqual(['dana', 'eli']);
    expect(await store.releases.compareAndSet(r.id, 'draft', { authors: ['dana', 'eli', 'fay'] })).toBe(true);
    expect((await store.releases.get(r.id))?.authors).toEqual(['dana', 'eli', 'fay']);
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('round-trips a release, snake_case to camelCase', async () => {
    const r = release({ runtimeState: { images: ['a'] }, description: 'hello' });
    await store.releases.insert(r);
    expect(await store.releases.get(r.id)).toEqual(r);
    expect(await store.releases.get(ids.newId())).toBeNull();
  });

  it('compare-and-set changes only from the expected state', async () => {
    const r = release();
    await store.releases.insert(r);
    expect(await store.releases.compareAndSet(r.id, 'previewed', { state: 'approved' })).toBe(false);
    expect(await store.releases.compareAndSet(r.id, 'draft', { state: 'previewed' })).toBe(true);
    expect((await store.releases.get(r.id))?.state).toBe('previewed');
    const racers = await Promise.all(
      Array.from({ length: 10 }, () => store.transaction((tx) => tx.releases.compareAndSet(r.id, 'previewed', { state: 'applying' }))),
    );
    expect(racers.filter(Boolean)).toHaveLength(1);
  });

  it('consumes a preview once, however many try', async () => {
    const r = release();
    await store.releases.insert(r);
    const preview = {
      id: ids.newId(),
      releaseId: r.id,
      draftRevision: 1,
      draftDigest: 'sha256:x',
      liveDigest: 'sha256:l',
      tokenHash: ids.newId(),
      createdAt: now(),
      expiresAt: now(),
      consumedAt: null,
      summary: { create: 1, update: 0, delete: 0, unchanged: 0 },
      changes: [{ action: 'create' as const, kind: 'Service', name: 'web', diff: '+' }],
      policy: {
        passed: false,
        violations: [
          {
            ruleId: 'privileged',
            severity: 'deny' as const,
            message: 'runs privileged',
            resource: { kind: 'Service', name: 'web' },
            path: '/privileged',
          },
        ],
      },
      policyDigest: 'sha256:p',
      createdBy: 'dana',
      conversationId: null,
    };
    await store.previews.insert(preview);
    expect(await store.previews.getByTokenHash(preview.tokenHash)).toEqual(preview);
    expect(await store.previews.summaries([preview.id, 'p_unknown'])).toEqual([
      { id: preview.id, releaseId: r.id, draftRevision: 1, expiresAt: preview.expiresAt, consumedAt: null, summary: preview.summary },
    ]);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.transaction((tx) => tx.previews.consume(preview.id, now()))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('appends concurrent events into one gapless, verifiable chain', async () => {
    const r = release();
    await store.releases.insert(r);
    const before = await store.timeline.headSeq();
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        store.transaction((tx) =>
          tx.timeline.append(
            [0, 1].map((j) => ({
              id: ids.newId(),
              releaseId: r.id,
              type: 'release.updated' as const,
              at: now(),
              actor: { type: 'user' as const, id: `u${i}` },
              channel: 'api' as const,
              release: { application: 'web', environment: 'staging', runtime: 'compose' as const, kind: 'deploy' as const },
              data: { i, j },
            })),
          ),
        ),
      ),
    );
    expect(await store.timeline.headSeq()).toBe(before + 50);
    const events = await store.timeline.listByRelease(r.id, 0, 100);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, k) => before + 1 + k));
    const verifier = new ChainVerifier(testAuditKeys);
    for (const e of await store.timeline.scan(0, 10_000)) verifier.push(e);
    expect(verifier.result(await store.timeline.headSeq())).toEqual({ ok: true, checked: before + 50, legacyUnkeyed: 0 });
  });

  it('a failed transaction leaves nothing behind', async () => {
    const r = release();
    await expect(
      store.transaction(async (tx) => {
        await tx.releases.insert(r);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.releases.get(r.id)).toBeNull();
  });

  it('gives an execution lease to one claimant at a time', async () => {
    const r = release({ state: 'applying', execution: { ...NOT_STARTED, stage: 'queued' } });
    await store.releases.insert(r);
    const claims = await Promise.all(
      ['a', 'b', 'c', 'd'].map((owner) => store.releases.claim(r.id, owner, new Date(Date.now() + 1000).toISOString())),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const owner = ['a', 'b', 'c', 'd'][claims.indexOf(true)]!;
    expect(await store.releases.renewLease(r.id, 'zz', now())).toBe(false);
    expect(await store.releases.renewLease(r.id, owner, new Date(Date.now() - 1).toISOString())).toBe(true);
    expect((await store.releases.expiredLeases(now(), 100)).map((x) => x.id)).toContain(r.id);
    expect((await store.releases.unclaimed(100)).map((x) => x.id)).not.toContain(r.id);
  });

  it('interrupts for an expired lease only while the lease is still out when the write takes the row', async () => {
    const r = release({ state: 'applying', execution: { ...NOT_STARTED, stage: 'applying', attempt: 1 } });
    await store.releases.insert(r);
    expect(await store.releases.claim(r.id, 'owner', new Date(Date.now() + 60_000).toISOString())).toBe(false);
    const at = now();
    const future = new Date(Date.now() + 60_000).toISOString();
    const past = new Date(Date.now() - 60_000).toISOString();
    // Variants of a lease that is still good at `at`: each keeps the release applying.
    const held = release({ state: 'applying', execution: { ...NOT_STARTED, stage: 'queued' } });
    await store.releases.insert(held);
    expect(await store.releases.claim(held.id, 'owner', future)).toBe(true);
    for (const until of [future, new Date(Date.parse(at) + 1).toISOString(), at]) {
      expect(await store.releases.renewLease(held.id, 'owner', until)).toBe(true);
      expect(await store.releases.compareAndSet(held.id, 'applying', { state: 'interrupted' }, { leaseExpiredAt: at })).toBe(false);
    }
    expect(await store.releases.renewLease(held.id, 'owner', past)).toBe(true);
    expect(await store.releases.compareAndSet(held.id, 'applying', { state: 'interrupted' }, { leaseExpiredAt: at })).toBe(true);
    // Left without a lease after it started: out.
    expect(await store.releases.compareAndSet(r.id, 'applying', { state: 'interrupted' }, { leaseExpiredAt: at })).toBe(true);
  });

  it.runIf(dialect === 'postgres')('an interrupt waiting on a row whose owner renews the lease meanwhile loses', async () => {
    const r = release({ state: 'applying', execution: { ...NOT_STARTED, stage: 'queued' } });
    await store.releases.insert(r);
    expect(await store.releases.claim(r.id, 'owner', new Date(Date.now() - 1_000).toISOString())).toBe(true);
    const at = now();
    expect((await store.releases.expiredLeases(at, 1000)).map((x) => x.id)).toContain(r.id);
    let commit!: () => void;
    const gate = new Promise<void>((resolve) => (commit = resolve));
    let renewed!: () => void;
    const renewing = new Promise<void>((resolve) => (renewed = resolve));
    const renewal = store.transaction(async (tx) => {
      await tx.releases.renewLease(r.id, 'owner', new Date(Date.now() + 60_000).toISOString());
      renewed();
      await gate;
    });
    await renewing;
    const interrupt = store.releases.compareAndSet(r.id, 'applying', { state: 'interrupted' }, { leaseExpiredAt: at });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the update now waits on the row the renewal holds
    commit();
    await renewal;
    expect(await interrupt).toBe(false);
    expect((await store.releases.get(r.id))?.state).toBe('applying');
    await store.releases.releaseLease(r.id, 'owner');
  });

  it('tells when the first lease another process holds runs out', async () => {
    const soon = new Date(Date.now() + 5_000).toISOString();
    const later = new Date(Date.now() + 9_000).toISOString();
    const [p, q] = [0, 1].map(() => release({ state: 'applying', execution: { ...NOT_STARTED, stage: 'queued' } }));
    for (const r of [p!, q!]) await store.releases.insert(r);
    expect(await store.releases.claim(p!.id, 'lease-p', soon)).toBe(true);
    expect(await store.releases.claim(q!.id, 'lease-q', later)).toBe(true);
    expect(await store.releases.nextLeaseExpiry(now(), 'lease-other')).toBe(soon);
    // Its own leases it renews: only the others' count.
    expect(await store.releases.nextLeaseExpiry(now(), 'lease-p')).toBe(later);
    await store.releases.releaseLease(q!.id, 'lease-q');
    expect(await store.releases.nextLeaseExpiry(now(), 'lease-p')).toBeNull();
    // A lease already run out is for expiredLeases, not a wake-up to come.
    expect(await store.releases.nextLeaseExpiry(new Date(Date.now() + 6_000).toISOString(), 'lease-other')).toBeNull();
    await store.releases.releaseLease(p!.id, 'lease-p');
  });

  it('claims only queued work: a started execution left without a lease is reported, never run again', async () => {
    const started = release({ state: 'applying', execution: { ...NOT_STARTED, stage: 'waiting_for_rollout', attempt: 1 } });
    await store.releases.insert(started);
    expect((await store.releases.unclaimed(100)).map((x) => x.id)).not.toContain(started.id);
    expect(await store.releases.claim(started.id, 'a', new Date(Date.now() + 1000).toISOString())).toBe(false);
    expect((await store.releases.expiredLeases(now(), 100)).map((x) => x.id)).toContain(started.id);
  });

  it('filters lists by readable environments and pages by id', async () => {
    const all = await store.releases.list({ readable: 'all', limit: 100 });
    expect(all.length).toBeGreaterThan(3);
    expect(await store.releases.list({ readable: [], limit: 100 })).toEqual([]);
    expect(await store.releases.list({ readable: ['other'], limit: 100 })).toEqual([]);
    const page = await store.releases.list({ readable: ['staging'], limit: 2, beforeId: all[1]!.id });
    expect(page[0]!.id).toBe(all[2]!.id);
  });

  it('keeps one decision per approver on a ticket', async () => {
    const r = release({ state: 'pending_approval' });
    await store.releases.insert(r);
    const ticket = ticketRecord(r.id);
    await store.approvals.insert(ticket);
    await store.approvals.addDecision(ticket.id, { approver: 'alice', decision: 'approve', comment: '', at: now() });
    await expect(
      store.approvals.addDecision(ticket.id, { approver: 'alice', decision: 'reject', comment: '', at: now() }),
    ).rejects.toThrow();
    expect(await store.approvals.setStatus(ticket.id, 'approved', 'void', now())).toBe(false);
    expect(await store.approvals.setStatus(ticket.id, 'pending', 'approved', now())).toBe(true);
    const got = await store.approvals.get(ticket.id);
    expect(got).toMatchObject({ status: 'approved', decisions: [{ approver: 'alice', decision: 'approve' }] });
  });

  it('reads the same decisions, in the order they were made, through every way a ticket is read', async () => {
    const r = release({ state: 'pending_approval' });
    await store.releases.insert(r);
    // First in the queue, and due.
    const ticket = ticketRecord(r.id, { minApprovers: 3, requestedAt: '2000-01-01T00:00:00.000Z', expiresAt: now(-1) });
    await store.approvals.insert(ticket);
    const decisions = [
      { approver: 'zoe', decision: 'approve' as const, comment: 'ok "quoted" \\ back\nslash, ünïcode ✓, {"json": [1]}', at: now(-3_000) },
      { approver: 'bob', decision: 'reject' as const, comment: '', at: now(-2_000) },
      { approver: 'amy', decision: 'approve' as const, comment: "it's fine", at: now(-2_000) },
    ];
    for (const d of decisions) await store.approvals.addDecision(ticket.id, d);
    const inOrder = [decisions[0], decisions[2], decisions[1]];
    expect((await store.approvals.get(ticket.id))?.decisions).toEqual(inOrder);
    expect((await store.approvals.getMany([ticket.id]))[0]?.decisions).toEqual(inOrder);
    const listed = await store.approvals.list({ readable: ['staging'], status: 'pending', limit: 1 });
    expect(listed).toEqual([{ ...ticket, decisions: inOrder }]);
    expect((await store.approvals.expired(now(), 1000)).find((t) => t.id === ticket.id)?.decisions).toEqual(inOrder);
    // Without decisions: an empty list, not null.
    const bare = { ...ticket, id: ids.newId(), expiresAt: now(60_000) };
    await store.approvals.insert(bare);
    expect((await store.approvals.getMany([bare.id]))[0]?.decisions).toEqual([]);
    expect(await store.approvals.setStatus(bare.id, 'pending', 'void', now())).toBe(true);
    expect(await store.approvals.setStatus(ticket.id, 'pending', 'expired', now())).toBe(true);
  });

  it('reads a page of releases, tickets and previews by id in one call each, skipping unknown ids', async () => {
    const [a, b] = [release({ state: 'pending_approval' }), release({ state: 'draft' })];
    for (const r of [a, b]) await store.releases.insert(r);
    const got = await store.releases.getMany([b.id, a.id, a.id, 'r_unknown']);
    expect(got.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
    expect(got.find((r) => r.id === a.id)).toEqual(a);
    expect(await store.releases.getMany([])).toEqual([]);
    const summaries = await store.releases.summaries([b.id, a.id, a.id, 'r_unknown']);
    expect(summaries.sort((x, y) => x.id.localeCompare(y.id))).toEqual(
      [a, b]
        .sort((x, y) => x.id.localeCompare(y.id))
        .map((r) => ({ id: r.id, state: r.state, description: r.description, draftDigest: r.draftDigest, previewId: r.previewId })),
    );
    expect(await store.releases.summaries([])).toEqual([]);
    const ticket = {
      id: ids.newId(),
      releaseId: a.id,
      application: 'web',
      environment: 'staging',
      status: 'pending' as const,
      minApprovers: 2,
      allowSelfApproval: false,
      draftDigest: 'sha256:y',
      requestedBy: 'dana',
      requestedAt: now(),
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      closedAt: null,
      decisions: [],
    };
    await store.approvals.insert(ticket);
    await store.approvals.addDecision(ticket.id, { approver: 'erin', decision: 'approve', comment: 'ok', at: now() });
    expect(await store.approvals.getMany([ticket.id, 't_unknown'])).toEqual([await store.approvals.get(ticket.id)]);
    expect((await store.approvals.getMany([ticket.id]))[0]!.decisions).toMatchObject([{ approver: 'erin' }]);
    expect(await store.previews.summaries([])).toEqual([]);
  });

  it('keeps conversations per user with their messages in order, and their state compare-and-set', async () => {
    const now2 = now();
    const conversation = {
      id: ids.newId(),
      subject: 'dana',
      title: 'deploy web',
      state: { releaseId: null, proposals: [] },
      version: 0,
      createdAt: now2,
      updatedAt: now2,
    };
    await store.conversations.insert(conversation);
    await store.conversations.insert({ ...conversation, id: ids.newId(), subject: 'alice' });
    for (const [role, text] of [
      ['user', 'deploy web'],
      ['assistant', 'Drafted'],
      ['user', 'apply it'],
    ] as const) {
      await store.conversations.addMessage({
        id: ids.newId(),
        conversationId: conversation.id,
        role,
        text,
        actions: [{ type: 'release' }],
        releaseId: null,
        at: now(),
      });
    }
    expect(await store.conversations.compareAndSetState(conversation.id, 0, { releaseId: 'r1', proposals: [{ id: 'p' }] }, now())).toBe(
      true,
    );
    expect(await store.conversations.compareAndSetState(conversation.id, 0, { releaseId: 'lost', proposals: [] }, now())).toBe(false);
    expect(await store.conversations.get(conversation.id)).toMatchObject({
      state: { releaseId: 'r1', proposals: [{ id: 'p' }] },
      version: 1,
    });
    expect((await store.conversations.messages(conversation.id, 10)).map((m) => m.text)).toEqual(['deploy web', 'Drafted', 'apply it']);
    expect((await store.conversations.messages(conversation.id, 2)).map((m) => m.text)).toEqual(['Drafted', 'apply it']);
    expect((await store.conversations.listBySubject('dana', 10)).map((c) => c.id)).toEqual([conversation.id]);
  });
});
