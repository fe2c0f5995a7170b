import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, type TestServer } from '../support/test-server.js';
import { composeTestServer } from '../support/runtime-servers.js';
import { docker, removeProject } from '../support/docker-fixtures.js';

// Live state means live: a container stopped, paused or restarted by hand behind Shipgate's back changes what the
// preview was made against, so applying that preview is PREVIEW_STALE (real Docker engine).
describe('the Compose live digest', () => {
  let srv: TestServer;
  const compose = (tag: string) => `services:\n  web:\n    image: shipgate-test/app:${tag}\n    init: true\n    stop_grace_period: 1s\n`;

  async function previewOf(tag: string) {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'live',
      spec: { compose: compose(tag) },
    });
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    return { id: rel.body.id as string, token: p.body.preview.token as string };
  }

  beforeAll(async () => {
    srv = await composeTestServer('live', 'livedigest');
    const first = await previewOf('1');
    await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${first.id}/apply`, { previewToken: first.token });
    await eventually(
      async () => ((await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${first.id}`)).body.state === 'succeeded' ? true : null),
      60_000,
    );
  }, 120_000);

  afterAll(async () => {
    await srv?.close();
    await removeProject('livedigest-web').catch(() => undefined);
  });

  it.each([
    ['stopped', ['stop', 'livedigest-web-web-1'], ['start', 'livedigest-web-web-1']],
    ['paused', ['pause', 'livedigest-web-web-1'], ['unpause', 'livedigest-web-web-1']],
    ['restarted by hand', ['restart', '-t', '0', 'livedigest-web-web-1'], null],
  ])(
    'makes a preview stale once a container is %s behind its back',
    async (_what, change, undo) => {
      const next = await previewOf('2');
      await docker(change);
      try {
        const res = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${next.id}/apply`, { previewToken: next.token });
        expect([res.status, res.body.reason]).toEqual([428, 'PREVIEW_STALE']);
      } finally {
        if (undo) await docker(undo);
      }
    },
    60_000,
  );
});
