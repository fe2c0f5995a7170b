import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';
import { DIALECTS } from '../support/dialects.js';

/** Reads Server-Sent Events until `until` says stop. */
async function readEvents(url: string, token: string, until: (events: Array<{ event: string; data: any; id?: string }>) => boolean, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: Array<{ event: string; data: any; id?: string }> = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const timeout = setTimeout(() => controller.abort(), 15_000);
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let idx: number;
      while ((idx = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => l && !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
        if (fields['data']) events.push({ event: fields['event'] ?? 'message', data: JSON.parse(fields['data']), id: fields['id'] });
      }
    }
  } finally {
    clearTimeout(timeout);
    controller.abort();
  }
  return events;
}

describe.each(DIALECTS)('the release stream (%s)', (dialect) => {
  let srv: TestServer;

  beforeAll(async () => {
    srv = await startTestServer({ dialect });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'p' } });
  });
  afterAll(async () => srv?.close());

  it('streams each new event and the release state live, resuming from Last-Event-ID', async () => {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', { application: 'web', environment: 'staging', spec: { compose: 'services:\n  web:\n    image: web:1\n' } });
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
    expect(timeline.map((e) => e.data.type)).toEqual(expect.arrayContaining(['preview.created', 'execution.started', 'execution.succeeded']));
    expect(states).toEqual(expect.arrayContaining(['draft', 'applying', 'succeeded']));
    const stages = events.filter((e) => e.event === 'release').map((e) => e.data.execution.stage);
    expect(stages).toContain('waiting_for_rollout');
    const seqs = timeline.map((e) => Number(e.id));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));

    const resumed = await readEvents(`${srv.url}/api/v1/releases/${id}/stream`, ADMIN_TOKEN, (ev) => ev.some((e) => e.event === 'release'), {
      'last-event-id': String(seqs.at(-2)),
    });
    expect(resumed.filter((e) => e.event === 'timeline').map((e) => Number(e.id))).toEqual([seqs.at(-1)]);
  });

  it('refuses a reader without access before streaming anything', async () => {
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', { application: 'web', environment: 'staging', spec: { compose: 'services:\n  web:\n    image: web:1\n' } });
    const outsider = await srv.tokenFor('olga', 'viewer', ['elsewhere']);
    const res = await srv.api(outsider, 'GET', `/api/v1/releases/${rel.body.id}/stream`);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    expect(JSON.stringify(res.body)).not.toContain('release.created');
  });
});
