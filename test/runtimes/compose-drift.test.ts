import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type TestServer } from '../support/test-server.js';
import { composeTestServer } from '../support/runtime-servers.js';
import { deployed, driftEvents } from '../support/deploy.js';
import { docker, removeProject } from '../support/docker-fixtures.js';

const CANARY = 'drift-live-s3cr3t';
// A tag of this suite's own: moving it does not touch what other suites run.
const IMAGE = 'shipgate-test/drift:live';
const CONTAINER = 'driftlive-web-web-1';

// Drift against a real Docker engine: a container stopped, its image moved or the container removed behind
// Shipgate's back shows as drift of the application's last succeeded release.
describe('drift of a Compose application (real Docker engine)', () => {
  let srv: TestServer;
  let releaseId: string;

  async function checkNow() {
    const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments/live/drift/check');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(CANARY);
    return res.body.items.find((i: any) => i.application === 'web');
  }

  beforeAll(async () => {
    srv = await composeTestServer('live', 'driftlive');
    await docker(['tag', 'shipgate-test/app:1', IMAGE]);
    releaseId = await deployed(srv, {
      application: 'web',
      environment: 'live',
      spec: {
        compose:
          `services:\n  web:\n    image: ${IMAGE}\n    init: true\n    stop_grace_period: 1s\n` +
          `    environment:\n      API_TOKEN: ${CANARY}\n`,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await srv?.close();
    await removeProject('driftlive-web').catch(() => undefined);
    await docker(['rmi', IMAGE]).catch(() => undefined);
  });

  it('is in sync after the deploy', async () => {
    const first = (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/live/drift')).body.items;
    expect(first).toEqual([expect.objectContaining({ application: 'web', releaseId, status: 'in_sync', changes: [] })]);
  });

  it('shows a container stopped behind its back as drift of that service, and in sync once it runs again', async () => {
    await docker(['stop', CONTAINER]);
    try {
      const stopped = await checkNow();
      expect(stopped).toMatchObject({ releaseId, status: 'drifted', changes: [{ action: 'update', kind: 'Service', name: 'web' }] });
      expect(stopped.changes[0].diff).toContain(`state: running → exited (container ${CONTAINER})`);
    } finally {
      await docker(['start', CONTAINER]);
    }
    expect((await checkNow()).status).toBe('in_sync');
  }, 60_000);

  it('shows an image moved under the tag the release ran', async () => {
    await docker(['tag', 'shipgate-test/app:2', IMAGE]);
    try {
      const moved = await checkNow();
      expect(moved).toMatchObject({ status: 'drifted', changes: [{ action: 'update', name: 'web' }] });
      expect(moved.changes[0].diff).toContain(`image ${IMAGE} now resolves to another image id`);
    } finally {
      await docker(['tag', 'shipgate-test/app:1', IMAGE]);
    }
    expect((await checkNow()).status).toBe('in_sync');
  }, 60_000);

  it('calls the application missing once its container is removed, and told each drift once on the release timeline', async () => {
    await docker(['rm', '-f', CONTAINER]);
    const gone = await checkNow();
    expect(gone).toMatchObject({ status: 'missing', changes: [{ action: 'create', kind: 'Service', name: 'web' }] });
    await checkNow();
    const detected = await driftEvents(srv, releaseId);
    expect(detected.map((e: any) => e.data.status)).toEqual(['drifted', 'drifted', 'missing']);
    expect(JSON.stringify(detected)).not.toContain(CANARY);
  }, 60_000);
});
