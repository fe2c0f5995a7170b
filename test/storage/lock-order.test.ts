import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import type { KyselyStore } from '../../src/adapters/storage/kysely-store.js';
import { AppContext } from '../../src/app/app-context.js';
import { NOT_STARTED } from '../../src/core/release/release.js';
import { testDatabase, type TestDatabase } from '../support/dialects.js';
import { at, environmentRecord, ids, releaseRecord, timelineEvent } from './records.fixture.js';

/** Resolves with the value, or with 'timed out' once `ms` pass first. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'timed out'> =>
  Promise.race([promise, new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), ms))]);

// Row locks are PostgreSQL's: SQLite runs one transaction at a time, so nothing there can hold a row while it queues.
describe('a write queued for the timeline holds no release row (postgres)', () => {
  let db: TestDatabase;
  let store: KyselyStore;
  let ctx: AppContext;

  beforeAll(async () => {
    db = testDatabase('postgres');
    store = await db.open();
    await store.environments.insert(environmentRecord('staging'));
    ctx = new AppContext({ store, drivers: {}, clock: systemClock, ids, logger: pino({ level: 'silent' }) });
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("renews a release's lease while a stage write on it waits behind another appender", async () => {
    const r = releaseRecord({ state: 'applying', execution: { ...NOT_STARTED, stage: 'queued' } });
    await store.releases.insert(r);
    expect(await store.releases.claim(r.id, 'owner', at(2_000))).toBe(true);
    let commit!: () => void;
    const gate = new Promise<void>((resolve) => (commit = resolve));
    let appended!: () => void;
    const holding = new Promise<void>((resolve) => (appended = resolve));
    // Another release's writer holds the chain's head until it commits.
    const other = store.transaction(async (tx) => {
      await tx.timeline.append([timelineEvent(ids.newId())]);
      appended();
      await gate;
    });
    await holding;
    const stageWrite = ctx.write([r.id], async (tx) => {
      expect(await tx.releases.compareAndSet(r.id, 'applying', { updatedAt: at() })).toBe(true);
      await tx.timeline.append([timelineEvent(r.id)]);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const renewal = await within(store.releases.renewLease(r.id, 'owner', at(60_000)), 1_500);
    commit();
    await Promise.all([other, stageWrite]);
    expect(renewal).toBe(true);
    const events = await store.timeline.listByRelease(r.id, 0, 10);
    expect(events).toHaveLength(1);
    await store.releases.releaseLease(r.id, 'owner');
  });
});
