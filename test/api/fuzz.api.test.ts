import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';

/** Whatever a client sends, the answer is a problem+json 4xx or a success — never a 500. */
describe('bad input never makes a 500', () => {
  let srv: TestServer;
  let releaseId: string;

  beforeAll(async () => {
    srv = await startTestServer({ dialect: 'sqlite' });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'p' } });
    const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'staging',
      spec: { compose: 'services:\n  web:\n    image: x\n' },
    });
    releaseId = rel.body.id;
  });
  afterAll(async () => srv?.close());

  const routes = () =>
    [
      ['POST', '/api/v1/releases'],
      ['PATCH', `/api/v1/releases/${releaseId}`],
      ['POST', `/api/v1/releases/${releaseId}/apply`],
      ['POST', `/api/v1/releases/${releaseId}/submit`],
      ['POST', `/api/v1/releases/${releaseId}/rollback`],
      ['POST', '/api/v1/environments'],
      ['PATCH', '/api/v1/environments/staging'],
      ['POST', '/api/v1/tokens'],
      ['POST', '/api/v1/ai/messages'],
      ['POST', '/api/v1/ai/confirmations'],
    ] as const;

  const body = fc.oneof(
    fc.jsonValue(),
    fc.record(
      {
        application: fc.oneof(fc.string(), fc.constant('web'), fc.integer()),
        environment: fc.oneof(fc.string(), fc.constant('staging')),
        spec: fc.oneof(fc.record({ compose: fc.string() }), fc.record({ manifests: fc.string() }), fc.jsonValue()),
        parameters: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
        text: fc.string(),
        previewToken: fc.oneof(fc.string(), fc.constant('sgp_' + 'A'.repeat(43))),
        name: fc.string(),
        runtime: fc.oneof(fc.constant('compose'), fc.constant('kubernetes'), fc.string()),
        target: fc.jsonValue(),
        freezeWindows: fc.array(fc.record({ start: fc.string(), end: fc.string(), reason: fc.string() })),
      },
      { requiredKeys: [] },
    ),
  );

  it('answers JSON bodies of any shape with a 2xx or a problem+json 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 9 }), body, async (i, payload) => {
        const [method, path] = routes()[i]!;
        const res = await srv.api(ADMIN_TOKEN, method, path, payload);
        expect(res.status, `${method} ${path} ${JSON.stringify(payload)}`).toBeLessThan(500);
        if (res.status >= 400) expect(res.headers.get('content-type')).toContain('application/problem+json');
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('answers raw bytes and odd paths with a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), fc.webPath(), async (raw, path) => {
        const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', raw, { 'content-type': 'application/json' });
        expect(res.status).toBeLessThan(500);
        const odd = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${encodeURIComponent(path)}`);
        expect(odd.status).toBeLessThan(500);
        const q = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases?cursor=${encodeURIComponent(raw)}&limit=${encodeURIComponent(path)}`);
        expect(q.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
