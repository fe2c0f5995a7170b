import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../src/adapters/storage/kysely-store.js';
import { NOT_STARTED, type ExecutionStage, type ReleaseState } from '../../src/core/release/release.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../support/dialects.js';
import { environmentRecord, releaseRecord } from './records.fixture.js';

const DAY = '2026-03-05';

describe.each(DIALECTS)('insights storage (%s)', (dialect) => {
  let db: TestDatabase;
  let store: KyselyStore;
  const made: Record<string, string> = {};

  /** A release of `application` in `environment` now in `state`, its apply finished at `finished` (HH:MM on DAY) or never. */
  async function put(
    name: string,
    environment: string,
    application: string,
    state: ReleaseState,
    stage: ExecutionStage,
    finished: string | null,
  ) {
    const finishedAt = finished === null ? null : `${DAY}T${finished}:00.000Z`;
    const r = releaseRecord({ environment, application, state, execution: { ...NOT_STARTED, stage, finishedAt } });
    await store.releases.insert(r);
    made[name] = r.id;
  }

  beforeAll(async () => {
    db = testDatabase(dialect);
    store = await db.open();
    for (const name of ['staging', 'production']) await store.environments.insert(environmentRecord(name));
    await put('early', 'staging', 'web', 'succeeded', 'completed', '01:00');
    await put('ok', 'staging', 'web', 'succeeded', 'completed', '10:00');
    await put('failed', 'staging', 'api', 'failed', 'failed', '09:00');
    await put('rolledBack', 'staging', 'web', 'rolled_back', 'completed', '11:00');
    await put('interrupted', 'staging', 'web', 'interrupted', 'interrupted', '12:00');
    await put('applying', 'staging', 'web', 'applying', 'queued', null);
    await put('draft', 'staging', 'web', 'draft', 'not_started', null);
    await put('prod', 'production', 'web', 'succeeded', 'completed', '08:00');
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('reads the applied releases whose apply finished in the span, oldest first, within what the caller may read', async () => {
    const finishedFrom = `${DAY}T02:00:00.000Z`;
    const all = await store.releases.applied({ readable: 'all', finishedFrom });
    expect(all.map((r) => r.id)).toEqual([made['prod'], made['failed'], made['ok'], made['rolledBack']]);
    expect(all[1]).toEqual({
      id: made['failed'],
      application: 'api',
      environment: 'staging',
      state: 'failed',
      createdAt: expect.any(String),
      execution: { stage: 'failed', finishedAt: `${DAY}T09:00:00.000Z` },
    });
    const staging = await store.releases.applied({ readable: ['staging'], finishedFrom });
    expect(staging.map((r) => r.id)).toEqual([made['failed'], made['ok'], made['rolledBack']]);
    expect(await store.releases.applied({ readable: [], finishedFrom })).toEqual([]);
    const web = await store.releases.applied({ readable: 'all', environment: 'staging', application: 'web', finishedFrom });
    expect(web.map((r) => r.id)).toEqual([made['ok'], made['rolledBack']]);
    expect(await store.releases.applied({ readable: ['staging'], environment: 'production', finishedFrom })).toEqual([]);
  });

  it('counts the releases by environment, state and stage', async () => {
    const counts = await store.releases.counts();
    const sorted = [...counts].sort((a, b) => `${a.environment}${a.state}`.localeCompare(`${b.environment}${b.state}`));
    expect(sorted).toEqual([
      { environment: 'production', state: 'succeeded', stage: 'completed', count: 1 },
      { environment: 'staging', state: 'applying', stage: 'queued', count: 1 },
      { environment: 'staging', state: 'draft', stage: 'not_started', count: 1 },
      { environment: 'staging', state: 'failed', stage: 'failed', count: 1 },
      { environment: 'staging', state: 'interrupted', stage: 'interrupted', count: 1 },
      { environment: 'staging', state: 'rolled_back', stage: 'completed', count: 1 },
      { environment: 'staging', state: 'succeeded', stage: 'completed', count: 2 },
    ]);
  });
});
