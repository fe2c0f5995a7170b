import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../src/adapters/storage/kysely-store.js';
import type { DriftRecord } from '../../src/core/drift/drift.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../support/dialects.js';
import { at, environmentRecord, releaseRecord } from './records.fixture.js';

/** An in-sync result of `web` in `staging` against `releaseId`, with `over` laid on top. */
function driftRecord(releaseId: string, over: Partial<DriftRecord> = {}): DriftRecord {
  return {
    environment: 'staging',
    application: 'web',
    releaseId,
    status: 'in_sync',
    checkedAt: at(),
    changes: [],
    message: null,
    fingerprint: 'sha256:in-sync',
    ...over,
  };
}

describe.each(DIALECTS)('drift storage (%s)', (dialect) => {
  let db: TestDatabase;
  let store: KyselyStore;

  beforeAll(async () => {
    db = testDatabase(dialect);
    store = await db.open();
    for (const name of ['staging', 'qa']) await store.environments.insert(environmentRecord(name));
  });

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('finds the newest succeeded release of each application of an environment', async () => {
    const older = releaseRecord({ application: 'web', state: 'succeeded' });
    const newer = releaseRecord({ application: 'web', state: 'succeeded' });
    const failed = releaseRecord({ application: 'web', state: 'failed' });
    const api = releaseRecord({ application: 'api', state: 'succeeded' });
    const draftOnly = releaseRecord({ application: 'docs', state: 'draft' });
    const elsewhere = releaseRecord({ application: 'web', environment: 'qa', state: 'succeeded' });
    for (const r of [older, newer, failed, api, draftOnly, elsewhere]) await store.releases.insert(r);
    expect((await store.releases.lastSucceededPerApplication('staging')).map((r) => r.id)).toEqual([api.id, newer.id]);
    expect(await store.releases.lastSucceededPerApplication('qa')).toEqual([elsewhere]);
  });

  it('round-trips results and stores a new one only over the fingerprint it was compared with', async () => {
    const release = releaseRecord({ application: 'shop', state: 'succeeded' });
    await store.releases.insert(release);
    const first = driftRecord(release.id, {
      application: 'shop',
      status: 'drifted',
      changes: [{ action: 'update', kind: 'Service', name: 'web', diff: 'state: running → exited (container shop-web-1)' }],
      fingerprint: 'sha256:one',
    });
    expect(await store.drift.get('staging', 'shop')).toBeNull();
    expect(await store.drift.put(first, null)).toBe(true);
    // Of two first results, the second stores nothing.
    expect(await store.drift.put({ ...first, fingerprint: 'sha256:other' }, null)).toBe(false);
    expect(await store.drift.get('staging', 'shop')).toEqual(first);
    const unknown: DriftRecord = { ...first, status: 'unknown', message: 'the compose runtime cannot be reached', checkedAt: at(1) };
    expect(await store.drift.put(unknown, 'sha256:one')).toBe(true);
    expect(await store.drift.get('staging', 'shop')).toEqual(unknown);
    const synced: DriftRecord = { ...first, status: 'in_sync', changes: [], fingerprint: 'sha256:two', checkedAt: at(2) };
    expect(await store.drift.put(synced, 'sha256:one')).toBe(true);
    // A writer that compared with what was stored before loses.
    expect(await store.drift.put({ ...first, fingerprint: 'sha256:three' }, 'sha256:one')).toBe(false);
    expect(await store.drift.get('staging', 'shop')).toEqual(synced);
    expect(await store.drift.list('staging')).toEqual([synced]);
    expect(await store.drift.list('qa')).toEqual([]);
  });

  it('tells one of two transactions racing from the same fingerprint that it won', async () => {
    const release = releaseRecord({ application: 'race', state: 'succeeded' });
    await store.releases.insert(release);
    const base = driftRecord(release.id, { application: 'race', fingerprint: 'sha256:base' });
    await store.drift.put(base, null);
    const results = await Promise.all(
      ['a', 'b', 'c'].map((who) =>
        store.transaction((tx) => tx.drift.put({ ...base, status: 'drifted', fingerprint: `sha256:${who}` }, 'sha256:base')),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
