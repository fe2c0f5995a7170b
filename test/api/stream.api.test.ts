import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';
import { DIALECTS } from '../support/dialects.js';
import { openSse, type SseEvent } from '../support/sse-reader.js';

/** Reads Server-Sent Events until `until` says stop (or the server ends the stream). */
async function readEvents(url: string, token: string, until: (events: SseEvent[]) => boolean, headers: Record<string, string> = {}) {
  const stream = await openSse(url, { authorization: `Bearer ${token}`, ...headers });
  expect(stream.status).toBe(200);
  expect(stream.headers.get('content-type')).toContain('text/event-stream');
  try {
    return await stream.until(until);
  } finally {
    stream.close();
  }
}

describe.each(DIALECTS)('the release stream (%s)', (dialect) => {
  let srv: TestServer;

  beforeAll(async () => {
    srv = await startTestServer({ dialect });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'p' } });
  });
  afterAll(async () => srv?.close());

  it('streams each new event and the release state live, resuming from Last-Event-ID', async () => {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'staging',
      spec: { compose: 'services:\n  web:\n    image: web:1\n' },
    });
    const id = rel.body.id;
    let release: () => void = () => undefined;
    srv.driver.hold = new Promise((r) => (release = r));
    const reading = readEvents(`${srv.url}/api/v1/releases/${id}/stream`, ADMIN_TOKEN, (events) =>
      events.some((e) => e.event === 'release' && e.data.state === 'succeeded'),
    );
    await new Promise((r) => setTimeout(r, 200));
    const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/preview`);
    await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: p.body.preview.token });
    await new Promise((r) => setTimeout(r, 300));
    release();
    srv.driver.hold = null;
    const events = await reading;
    const timeline = events.filter((e) => e.event === 'timeline');
    const states = events.filter((e) => e.event === 'release').map((e) => e.data.state);
    expect(timeline[0]!.data.type).toBe('release.created');
    expect(timeline.map((e) => e.data.type)).toEqual(
      expect.arrayContaining(['preview.created', 'execution.started', 'execution.succeeded']),
    );
    expect(states).toEqual(expect.arrayContaining(['draft', 'applying', 'succeeded']));
    const stages = events.filter((e) => e.event === 'release').map((e) => e.data.execution.stage);
    expect(stages).toContain('waiting_for_rollout');
    const seqs = timeline.map((e) => Number(e.id));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));

    const resumed = await readEvents(
      `${srv.url}/api/v1/releases/${id}/stream`,
      ADMIN_TOKEN,
      (ev) => ev.some((e) => e.event === 'release'),
      {
        'last-event-id': String(seqs.at(-2)),
      },
    );
    expect(resumed.filter((e) => e.event === 'timeline').map((e) => Number(e.id))).toEqual([seqs.at(-1)]);
  });

  it('refuses a reader without access before streaming anything', async () => {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'staging',
      spec: { compose: 'services:\n  web:\n    image: web:1\n' },
    });
    const outsider = await srv.tokenFor('olga', 'viewer', ['elsewhere']);
    const res = await srv.api(outsider, 'GET', `/api/v1/releases/${rel.body.id}/stream`);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    expect(JSON.stringify(res.body)).not.toContain('release.created');
  });
});
