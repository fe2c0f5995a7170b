import { afterEach, describe, expect, it } from 'vitest';
import type { ReleasePatch, StoreSession } from '../../src/ports/store.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';
import { DIALECTS } from '../support/dialects.js';

/** Makes the store fail the next compare-and-set whose patch matches, once: a database lost mid-write. */
function failOnce(srv: TestServer, matches: (patch: ReleasePatch) => boolean): { failed: () => boolean } {
  let armed = true;
  const original = srv.store.transaction.bind(srv.store);
  const wrapTx = (tx: StoreSession): StoreSession =>
    new Proxy(tx, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (prop !== 'releases') return typeof value === 'function' ? value.bind(target) : value;
        const releases = value as StoreSession['releases'];
        return new Proxy(releases, {
          get(r, q) {
            const fn = Reflect.get(r, q) as unknown;
            if (q === 'compareAndSet') {
              return async (id: string, expected: Parameters<typeof r.compareAndSet>[1], patch: ReleasePatch) => {
                if (armed && matches(patch)) {
                  armed = false;
                  throw new Error('the database went away during the write');
                }
                return r.compareAndSet(id, expected, patch);
              };
            }
            return typeof fn === 'function' ? fn.bind(r) : fn;
          },
        });
      },
    });
  srv.store.transaction = ((work: (tx: StoreSession) => Promise<unknown>) =>
    original((tx) => work(wrapTx(tx)))) as typeof srv.store.transaction;
  return { failed: () => !armed };
}

describe.each(DIALECTS)('exactly once, even when the store fails (%s)', (dialect) => {
  let srv: TestServer;

  afterEach(async () => {
    await srv?.close();
  });

  async function applyStaging(image: string) {
    expect(
      (await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'once' } }))
        .status,
    ).toBe(201);
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'staging',
      spec: { compose: `services:\n  web:\n    image: ${image}\n` },
    });
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    expect(
      (await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/apply`, { previewToken: p.body.preview.token })).status,
    ).toBe(202);
    return rel.body.id as string;
  }

  it.each([
    ['succeeded', 'web:1'],
    ['failed', 'web:fail'],
  ])('a failed final write (%s) never re-runs the apply: the lease runs out and the release is interrupted', async (finalState, image) => {
    srv = await startTestServer({ dialect, leaseMs: 600, pollMs: 50 });
    const fault = failOnce(srv, (patch) => patch.state === finalState);
    const id = await applyStaging(image);
    const done = await eventually(async () => {
      const r = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`);
      return ['succeeded', 'failed', 'interrupted'].includes(r.body.state) ? r.body : null;
    }, 15_000);
    expect(fault.failed()).toBe(true);
    expect(done.state).toBe('interrupted');
    expect(done.execution.message).toMatch(/stopped before it finished/);
    // Well past several lease periods and polls: the runtime was driven exactly once.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(srv.driver.applyCalls.filter((c) => c === id)).toHaveLength(1);
    expect((await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`)).body.state).toBe(done.state);
  });

  it('a write that fails before the runtime is touched leaves the release queued, and it runs once later', async () => {
    srv = await startTestServer({ dialect, leaseMs: 600, pollMs: 50 });
    const fault = failOnce(srv, (patch) => patch.execution?.stage === 'applying');
    const id = await applyStaging('web:1');
    const done = await eventually(async () => {
      const r = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`);
      return r.body.state === 'succeeded' ? r.body : null;
    }, 15_000);
    expect(fault.failed()).toBe(true);
    expect(done.execution.attempt).toBe(1);
    expect(srv.driver.applyCalls.filter((c) => c === id)).toHaveLength(1);
  });
});
