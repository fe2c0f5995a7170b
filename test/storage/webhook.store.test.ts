import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../src/adapters/storage/kysely-store.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { SecretCache } from '../../src/app/secret-cache.js';
import { OutboxStore, WebhookOutbox } from '../../src/app/webhook-outbox.js';
import type { NewTimelineEvent } from '../../src/core/audit/timeline-event.js';
import type { WebhookDelivery, WebhookSubscription } from '../../src/core/webhooks/webhook.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../support/dialects.js';
import { at, environmentRecord, ids, releaseRecord, timelineEvent } from './records.fixture.js';

function subscription(over: Partial<WebhookSubscription> = {}): WebhookSubscription {
  return {
    id: ids.newId(),
    url: 'https://hooks.example.com/shipgate',
    events: ['approval.requested', 'execution.failed'],
    environments: ['*'],
    format: 'standard',
    secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I=',
    createdAt: at(),
    createdBy: 'admin',
    ...over,
  };
}

function delivery(webhookId: string, over: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    id: ids.newId(),
    webhookId,
    eventType: 'approval.requested',
    eventSeq: 12,
    payload: '{"type":"approval.requested"}',
    status: 'pending',
    attempts: 0,
    lastStatusCode: null,
    lastError: null,
    nextAttemptAt: at(-1_000),
    createdAt: at(-1_000),
    ...over,
  };
}

describe.each(DIALECTS)('webhook storage (%s)', (dialect) => {
  let db: TestDatabase;
  let store: KyselyStore;

  beforeAll(async () => {
    db = testDatabase(dialect);
    store = await db.open();
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('round-trips subscriptions and deliveries; deleting a subscription deletes its deliveries', async () => {
    const sub = subscription({ environments: ['staging', 'production'], format: 'slack' });
    await store.webhooks.insert(sub);
    expect(await store.webhooks.get(sub.id)).toEqual(sub);
    const first = delivery(sub.id);
    const test = delivery(sub.id, { eventType: 'webhook.test', eventSeq: null });
    await store.webhooks.enqueue([first, test]);
    expect(await store.webhooks.deliveries(sub.id, 10)).toEqual([test, first]);
    expect(await store.webhooks.deliveries(sub.id, 1)).toEqual([test]);
    expect(await store.webhooks.delete(sub.id)).toBe(true);
    expect(await store.webhooks.delete(sub.id)).toBe(false);
    expect(await store.webhooks.deliveries(sub.id, 10)).toEqual([]);
    expect(await store.webhooks.get(sub.id)).toBeNull();
  });

  it("moves the head's webhooks version with every subscription made or deleted, and with nothing else", async () => {
    const version = () => store.transaction(async (tx) => (await tx.timeline.lockHead()).webhooksVersion);
    const start = await version();
    const sub = subscription();
    await store.transaction((tx) => tx.webhooks.insert(sub));
    expect(await version()).toBe(start + 1);
    // Not by appends, deliveries or a delete that finds nothing.
    await store.timeline.append([timelineEvent(ids.newId())]);
    await store.webhooks.enqueue([delivery(sub.id)]);
    expect(await store.webhooks.delete(ids.newId())).toBe(false);
    expect(await version()).toBe(start + 1);
    expect(await store.webhooks.delete(sub.id)).toBe(true);
    expect(await version()).toBe(start + 2);
    // A transaction that took the head sees it as it took it, and appends onto the head it holds.
    await store.transaction(async (tx) => {
      const held = await tx.timeline.lockHead();
      expect(held.webhooksVersion).toBe(start + 2);
      const before = await tx.timeline.head();
      const [appended] = await tx.timeline.append([timelineEvent(ids.newId())]);
      expect(appended!.seq).toBe(before.seq + 1);
      expect(appended!.prevHash).toBe(before.hash);
      expect(await tx.timeline.head()).toEqual({ seq: appended!.seq, hash: appended!.hash });
    });
  });

  it('claims each due delivery for one owner at a time, again once its lease ran out, and records only for the holder', async () => {
    const sub = subscription();
    await store.webhooks.insert(sub);
    const due = Array.from({ length: 6 }, () => delivery(sub.id));
    const later = delivery(sub.id, { nextAttemptAt: at(60_000) });
    const done = delivery(sub.id, { status: 'delivered', nextAttemptAt: null, attempts: 1, lastStatusCode: 200 });
    await store.webhooks.enqueue([...due, later, done]);
    const now = at();
    const claims = await Promise.all(['a', 'b', 'c'].map((owner) => store.webhooks.claimDue(now, owner, at(30_000), 4)));
    const claimed = claims.flat().map((d) => d.id);
    expect(claimed.sort()).toEqual(due.map((d) => d.id).sort());
    expect(await store.webhooks.claimDue(now, 'd', at(30_000), 10)).toEqual([]);

    const [mine] = claims.find((c) => c.length > 0)!;
    const owner = claims.findIndex((c) => c.some((d) => d.id === mine!.id));
    const holder = ['a', 'b', 'c'][owner]!;
    const attempt = {
      status: 'pending' as const,
      attempts: 1,
      lastStatusCode: 500,
      lastError: 'the receiver answered HTTP 500',
      nextAttemptAt: at(-10),
    };
    expect(await store.webhooks.recordAttempt(mine!.id, 'intruder', attempt)).toBe(false);
    expect(await store.webhooks.recordAttempt(mine!.id, holder, attempt)).toBe(true);
    const [again] = await store.webhooks.claimDue(at(), 'e', at(30_000), 1);
    expect(again).toMatchObject({ id: mine!.id, attempts: 1, lastStatusCode: 500, lastError: 'the receiver answered HTTP 500' });
    expect(await store.webhooks.recordAttempt(mine!.id, holder, { ...attempt, status: 'delivered' })).toBe(false);

    // A holder that died: its lease runs out and another takes the delivery over.
    const expired = await store.webhooks.claimDue(at(31_000), 'f', at(90_000), 10);
    expect(expired.map((d) => d.id).sort()).toEqual(due.map((d) => d.id).sort());
    await store.webhooks.releaseClaim(expired[0]!.id, 'f');
    expect((await store.webhooks.claimDue(at(31_000), 'g', at(90_000), 10)).map((d) => d.id)).toEqual([expired[0]!.id]);
    expect((await store.webhooks.deliveries(sub.id, 10)).find((d) => d.id === done.id)).toEqual(done);
  });

  it('queues the deliveries of an event in its transaction: they commit with it and roll back with it', async () => {
    await store.environments.insert(environmentRecord('outbox'));
    const release = releaseRecord({ environment: 'outbox', parameters: { TAG: '1', DB_PASSWORD: 'outbox-canary-secret' } });
    await store.releases.insert(release);
    const listening = subscription({ events: ['release.updated'], environments: ['outbox'] });
    const elsewhere = subscription({ events: ['release.updated'], environments: ['staging'] });
    await store.webhooks.insert(listening);
    await store.webhooks.insert(elsewhere);
    let woken = 0;
    const outbox = new WebhookOutbox({ ids, clock: systemClock, secrets: new SecretCache(), publicUrl: 'https://sg.example.com/' });
    const outboxStore = new OutboxStore(store, outbox, () => (woken += 1));
    const event = (): NewTimelineEvent => ({
      id: ids.newId(),
      releaseId: release.id,
      type: 'release.updated',
      at: at(),
      actor: { type: 'user', id: 'dana' },
      channel: 'api',
      release: { application: 'web', environment: 'outbox', runtime: 'compose', kind: 'deploy' },
      data: { note: 'outbox-canary-secret' },
    });

    const headBefore = await store.timeline.headSeq();
    await expect(
      outboxStore.transaction(async (tx) => {
        await tx.timeline.append([event()]);
        throw new Error('rolled back after the append');
      }),
    ).rejects.toThrow('rolled back');
    expect(await store.timeline.headSeq()).toBe(headBefore);
    expect(await store.webhooks.deliveries(listening.id, 10)).toEqual([]);
    expect(woken).toBe(0);

    const [inTransaction] = await outboxStore.transaction((tx) => tx.timeline.append([event()]));
    const [onItsOwn] = await outboxStore.timeline.append([event()]);
    const queued = await store.webhooks.deliveries(listening.id, 10);
    expect(queued.map((d) => d.eventSeq)).toEqual([onItsOwn!.seq, inTransaction!.seq]);
    expect(queued.every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true);
    expect(await store.webhooks.deliveries(elsewhere.id, 10)).toEqual([]);
    expect(woken).toBe(2);
    const message = JSON.parse(queued[0]!.payload);
    expect(message).toMatchObject({
      type: 'release.updated',
      data: {
        event: { seq: onItsOwn!.seq },
        release: { id: release.id },
        links: { release: `https://sg.example.com/releases/${release.id}` },
      },
    });
    expect(queued[0]!.payload).not.toContain('outbox-canary-secret');
  });
});
