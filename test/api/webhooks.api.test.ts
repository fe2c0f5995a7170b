import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer, type TestServerOptions } from '../support/test-server.js';
import { DIALECTS, testDatabase, type Dialect } from '../support/dialects.js';
import { previewed } from '../support/deploy.js';
import { WebhookReceiver, type ReceivedRequest } from '../support/webhook-receiver.js';

const PUBLIC_URL = 'https://shipgate.example.com';
const SPEC_SECRET = 'spec-literal-canary-7731';
const PARAMETER_SECRET = 'parameter-canary-4410';
const spec = {
  compose: [
    'services:',
    '  web:',
    '    image: web:${TAG}',
    '    environment:',
    '      DB_PASSWORD: ${DB_PASSWORD}',
    `      API_TOKEN: ${SPEC_SECRET}`,
    '',
  ].join('\n'),
};

/** A server that may send to this machine, retrying fast: 100 ms, 200 ms, then 400 ms apart, for 3 s. */
const deliveringServer = (dialect: Dialect, extra: Partial<TestServerOptions> = {}) =>
  startTestServer({
    dialect,
    webhookAllowPrivate: true,
    publicUrl: PUBLIC_URL,
    webhookDispatcher: { pollMs: 50, timeoutMs: 500, retry: { firstDelayMs: 100, maxDelayMs: 400, horizonMs: 3_000 } },
    ...extra,
  });

async function createEnvironments(srv: TestServer): Promise<void> {
  for (const env of [
    { name: 'staging', runtime: 'compose', target: { project: 'whstg' } },
    { name: 'production', runtime: 'compose', target: { project: 'whprod' }, approval: { required: true, minApprovers: 1 } },
  ]) {
    expect((await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env)).status).toBe(201);
  }
}

async function subscribe(srv: TestServer, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/webhooks', { environments: ['*'], format: 'standard', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function deliveries(srv: TestServer, webhookId: string): Promise<any[]> {
  const res = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/webhooks/${webhookId}/deliveries`);
  expect(res.status).toBe(200);
  return res.body.items;
}

/** Waits until a subscription's deliveries all match `done`, and returns them. */
async function settled(srv: TestServer, webhookId: string, count: number, done: (d: any) => boolean, timeoutMs = 10_000): Promise<any[]> {
  return eventually(
    async () => {
      const items = await deliveries(srv, webhookId);
      return items.length === count && items.every(done) ? items : null;
    },
    timeoutMs,
    `${count} deliveries of ${webhookId} settled`,
  );
}

describe.each(DIALECTS)('webhooks (%s)', (dialect) => {
  let guarded: TestServer;
  let srv: TestServer;
  let receiver: WebhookReceiver;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    guarded = await startTestServer({ dialect });
    srv = await deliveringServer(dialect);
    await createEnvironments(guarded);
    await createEnvironments(srv);
    receiver = await WebhookReceiver.start();
    tokens = {
      deployer: await guarded.tokenFor('dana', 'deployer'),
      viewer: await guarded.tokenFor('vic', 'viewer'),
      stagingAdmin: await guarded.tokenFor('sam', 'admin', ['staging']),
      srvDeployer: await srv.tokenFor('dana', 'deployer'),
    };
  });

  afterAll(async () => {
    await guarded?.close();
    await srv?.close();
    await receiver?.close();
  });

  it('lets only an admin of every environment manage webhooks; anyone else is refused before anything is read', async () => {
    const existing = await subscribe(guarded, { url: 'http://93.184.216.34/hook', events: ['release.created'] });
    const body = { url: 'http://93.184.216.34/other', events: ['execution.failed'], environments: ['*'], format: 'standard' };
    for (const token of [tokens['deployer']!, tokens['viewer']!, tokens['stagingAdmin']!]) {
      for (const [method, path, payload] of [
        ['POST', '/api/v1/webhooks', body],
        ['GET', '/api/v1/webhooks', undefined],
        ['DELETE', `/api/v1/webhooks/${existing.id}`, undefined],
        ['GET', `/api/v1/webhooks/${existing.id}/deliveries`, undefined],
        ['POST', `/api/v1/webhooks/${existing.id}/test`, undefined],
        ['GET', '/api/v1/webhooks/0190a0a0-0000-7000-8000-000000000000/deliveries', undefined],
      ] as const) {
        const res = await guarded.api(token, method, path, payload);
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body.code).toBe('FORBIDDEN');
        expect(JSON.stringify(res.body)).not.toContain('93.184.216.34');
      }
    }
    expect((await guarded.api(null, 'GET', '/api/v1/webhooks')).status).toBe(401);
    const list = await guarded.api(ADMIN_TOKEN, 'GET', '/api/v1/webhooks');
    expect(list.body.items.map((w: any) => w.id)).toContain(existing.id);
  });

  it('refuses unknown event types, formats and environments, and every hostile URL, with 400 and a stable code', async () => {
    const valid = { url: 'http://93.184.216.34/hook', events: ['approval.requested'], environments: ['*'], format: 'standard' };
    const invalid: Array<[string, Record<string, unknown>]> = [
      ['unknown event type', { ...valid, events: ['approval.requested', 'release.exploded'] }],
      ['the test type is no subscribable event', { ...valid, events: ['webhook.test'] }],
      ['no events', { ...valid, events: [] }],
      ['events twice', { ...valid, events: ['execution.failed', 'execution.failed'] }],
      ['unknown format', { ...valid, format: 'teams' }],
      ['* with names', { ...valid, environments: ['*', 'staging'] }],
      ['unknown environment', { ...valid, environments: ['staging', 'nowhere'] }],
      ['bad environment name', { ...valid, environments: ['Prod!'] }],
      ['no environments', { ...valid, environments: [] }],
      ['unknown field', { ...valid, secret: 'whsec_mine' }],
      ['missing url', { events: valid.events, environments: valid.environments, format: valid.format }],
    ];
    for (const [what, body] of invalid) {
      const res = await guarded.api(ADMIN_TOKEN, 'POST', '/api/v1/webhooks', body);
      expect(res.status, what).toBe(400);
      expect(res.body.code, what).toBe('VALIDATION_FAILED');
    }
    const hostile: Record<string, string[]> = {
      WEBHOOK_URL_PRIVATE: [
        'http://127.0.0.1/hook',
        'http://127.1',
        'http://0x7f000001',
        'http://2130706433/',
        'http://017700000001/',
        'http://[::1]/',
        'http://[::ffff:127.0.0.1]',
        'http://localhost/',
        'http://localhost.',
        'http://169.254.169.254/',
        'http://[fe80::1]/',
        'http://10.0.0.8/',
        'http://172.20.1.1/',
        'http://192.168.0.10/',
        'http://100.100.100.200/',
        'http://[fd00::1]/',
        'http://224.0.0.251/',
        'http://0.0.0.0/',
        'http://[::]/',
      ],
      WEBHOOK_URL_CREDENTIALS: ['http://good@127.0.0.1/', 'http://good@93.184.216.34/', 'https://user:pass@93.184.216.34/'],
      WEBHOOK_URL_SCHEME: ['ftp://93.184.216.34/', 'file:///etc/passwd', 'javascript:alert(1)'],
      WEBHOOK_URL_INVALID: ['not a url', '/relative/hook'],
    };
    for (const [reason, urls] of Object.entries(hostile)) {
      for (const url of urls) {
        const res = await guarded.api(ADMIN_TOKEN, 'POST', '/api/v1/webhooks', { ...valid, url });
        expect(res.status, url).toBe(400);
        expect(res.body, url).toMatchObject({ code: 'VALIDATION_FAILED', reason, errors: [{ path: '/body/url' }] });
      }
    }
    const listed = await guarded.api(ADMIN_TOKEN, 'GET', '/api/v1/webhooks');
    expect(JSON.stringify(listed.body)).not.toMatch(/127\.0\.0\.1|localhost|169\.254/);
  });

  it('shows the signing secret once, at creation, and never again; a deleted subscription is gone', async () => {
    const created = await guarded.api(ADMIN_TOKEN, 'POST', '/api/v1/webhooks', {
      url: 'https://93.184.216.34/hooks/shipgate',
      events: ['approval.requested', 'execution.failed'],
      environments: ['production'],
      format: 'slack',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: 'https://93.184.216.34/hooks/shipgate',
      events: ['approval.requested', 'execution.failed'],
      environments: ['production'],
      format: 'slack',
      createdBy: 'admin',
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(created.body.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    const list = await guarded.api(ADMIN_TOKEN, 'GET', '/api/v1/webhooks');
    const listed = list.body.items.find((w: any) => w.id === created.body.id);
    expect(listed).toBeDefined();
    expect(listed.secret).toBeUndefined();
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    expect(JSON.stringify(await guarded.api(ADMIN_TOKEN, 'GET', `/api/v1/webhooks/${created.body.id}/deliveries`))).not.toContain('whsec_');
    expect(guarded.logs.join('\n')).not.toContain(created.body.secret.slice('whsec_'.length));
    expect((await guarded.api(ADMIN_TOKEN, 'DELETE', `/api/v1/webhooks/${created.body.id}`)).status).toBe(204);
    expect((await guarded.api(ADMIN_TOKEN, 'DELETE', `/api/v1/webhooks/${created.body.id}`)).body.code).toBe('NOT_FOUND');
    expect((await guarded.api(ADMIN_TOKEN, 'GET', `/api/v1/webhooks/${created.body.id}/deliveries`)).status).toBe(404);
    expect((await guarded.api(ADMIN_TOKEN, 'POST', `/api/v1/webhooks/${created.body.id}/test`)).status).toBe(404);
  });

  it('tells a subscription of approval.requested and execution.failed, signed, linked, and with no secret in any message', async () => {
    const all = await subscribe(srv, { url: `${receiver.url}/all`, events: ['approval.requested', 'execution.failed'] });
    const slack = await subscribe(srv, {
      url: `${receiver.url}/slack`,
      events: ['execution.failed'],
      environments: ['staging'],
      format: 'slack',
    });
    const parameters = { TAG: '1', DB_PASSWORD: PARAMETER_SECRET };

    const waiting = await previewed(srv, { application: 'shop', environment: 'production', spec, parameters });
    const submitted = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${waiting.id}/submit`, { previewToken: waiting.token });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    const failing = await previewed(srv, { application: 'web', environment: 'staging', spec, parameters: { ...parameters, TAG: 'fail' } });
    expect((await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${failing.id}/apply`, { previewToken: failing.token })).status).toBe(202);

    // Newest first: the failure came after the request for approval.
    const [failedDelivery, requestedDelivery] = await settled(srv, all.id, 2, (d) => d.status === 'delivered');
    const [slackFailed] = await settled(srv, slack.id, 1, (d) => d.status === 'delivered');
    expect(failedDelivery).toMatchObject({
      eventType: 'execution.failed',
      attempts: 1,
      lastStatusCode: 204,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(requestedDelivery).toMatchObject({ eventType: 'approval.requested', attempts: 1 });

    const approval = receiver.at('/all').find((r) => r.id === requestedDelivery.id)!;
    const message = WebhookReceiver.verify(approval, all.secret);
    expect(message).toMatchObject({
      type: 'approval.requested',
      data: {
        event: { type: 'approval.requested', seq: requestedDelivery.eventSeq, releaseId: waiting.id },
        release: { id: waiting.id, state: 'pending_approval', application: 'shop', environment: 'production' },
        links: { release: `${PUBLIC_URL}/releases/${waiting.id}`, approval: `${PUBLIC_URL}/approvals` },
      },
    });
    expect(message.timestamp).toBe(message.data.event.at);
    expect(message.data.release.parameters.DB_PASSWORD).toBe('********');
    expect(() => WebhookReceiver.verify(approval, slack.secret)).toThrow();

    const failure = WebhookReceiver.verify(receiver.at('/all').find((r) => r.id === failedDelivery.id)!, all.secret);
    expect(failure).toMatchObject({ type: 'execution.failed', data: { release: { id: failing.id, state: 'failed' } } });

    const slackMessage = WebhookReceiver.verify(receiver.at('/slack').find((r) => r.id === slackFailed.id)!, slack.secret);
    expect(slackMessage.text).toContain('web → staging: execution failed');
    expect(JSON.stringify(slackMessage.blocks)).toContain(`${PUBLIC_URL}/releases/${failing.id}`);
    expect(Object.keys(slackMessage).sort()).toEqual(['blocks', 'text']);

    const everything = receiver.requests.map((r) => `${JSON.stringify(r.headers)}\n${r.body}`).join('\n');
    for (const secret of [SPEC_SECRET, PARAMETER_SECRET, all.secret, slack.secret, ADMIN_TOKEN, tokens['srvDeployer']!]) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(secret.replace(/^whsec_/, ''));
      expect(srv.logs.join('\n')).not.toContain(secret.replace(/^whsec_/, ''));
    }
  });

  it('retries after 500s and after a timeout with the same webhook-id until the receiver takes it', async () => {
    receiver.answer = (r, attempt) => {
      if (r.path === '/flaky') return attempt < 2 ? 500 : 204;
      if (r.path === '/slow') return attempt < 1 ? 'hang' : 200;
      return 204;
    };
    const flaky = await subscribe(srv, { url: `${receiver.url}/flaky`, events: ['release.cancelled'] });
    const slow = await subscribe(srv, { url: `${receiver.url}/slow`, events: ['release.cancelled'] });
    for (const hook of [flaky, slow]) expect((await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/webhooks/${hook.id}/test`)).status).toBe(202);

    const [flakyDelivery] = await settled(srv, flaky.id, 1, (d) => d.status === 'delivered');
    expect(flakyDelivery).toMatchObject({ eventType: 'webhook.test', eventSeq: null, attempts: 3, lastStatusCode: 204, lastError: null });
    const flakyRequests = receiver.at('/flaky');
    expect(flakyRequests.map((r) => r.id)).toEqual([flakyDelivery.id, flakyDelivery.id, flakyDelivery.id]);
    expect(new Set(flakyRequests.map((r) => r.body)).size).toBe(1);
    for (const r of flakyRequests) expect(WebhookReceiver.verify(r, flaky.secret)).toMatchObject({ type: 'webhook.test' });
    // Backoff: the second retry waits longer than the first.
    const [a, b, c] = flakyRequests.map((r) => r.at) as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(70);
    expect(c - b).toBeGreaterThan(b - a - 40);

    const [slowDelivery] = await settled(srv, slow.id, 1, (d) => d.status === 'delivered');
    expect(slowDelivery).toMatchObject({ attempts: 2, lastStatusCode: 200 });
    expect(receiver.at('/slow').map((r) => r.id)).toEqual([slowDelivery.id, slowDelivery.id]);
  });

  it('marks a delivery failed once the retry horizon has passed', async () => {
    receiver.answer = (r) => (r.path === '/down' ? 503 : 204);
    const down = await subscribe(srv, { url: `${receiver.url}/down`, events: ['release.cancelled'] });
    await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/webhooks/${down.id}/test`);
    const pending = await settled(srv, down.id, 1, (d) => d.status === 'pending' && d.attempts >= 1);
    expect(pending[0]).toMatchObject({ lastStatusCode: 503, lastError: 'the receiver answered HTTP 503' });
    expect(Date.parse(pending[0].nextAttemptAt)).toBeGreaterThan(Date.now() - 1_000);
    const [failed] = await settled(srv, down.id, 1, (d) => d.status === 'failed', 15_000);
    expect(failed).toMatchObject({ lastStatusCode: 503, nextAttemptAt: null });
    expect(failed.attempts).toBeGreaterThanOrEqual(4);
    const count = receiver.at('/down').length;
    expect(count).toBe(failed.attempts);
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.at('/down')).toHaveLength(count);
  });

  it('delivers after a restart what a stopped server queued, and takes over a delivery whose holder died mid-attempt', async () => {
    receiver.answer = () => 204;
    const database = testDatabase(dialect);
    const first = await deliveringServer(dialect, { database, keepDatabase: true, startWebhooks: false });
    try {
      await createEnvironments(first);
      const hook = await subscribe(first, { url: `${receiver.url}/restart`, events: ['release.created', 'preview.created'] });
      await previewed(first, { application: 'api', environment: 'staging', spec, parameters: { TAG: '1', DB_PASSWORD: PARAMETER_SECRET } });
      const queued = await deliveries(first, hook.id);
      expect(queued.map((d) => [d.eventType, d.status, d.attempts])).toEqual([
        ['preview.created', 'pending', 0],
        ['release.created', 'pending', 0],
      ]);
      // One of them is claimed by a process that then dies: it holds a lease it never gives back.
      const now = new Date();
      const claimed = await first.store.webhooks.claimDue(
        now.toISOString(),
        'dead-replica',
        new Date(now.getTime() + 3_000).toISOString(),
        1,
      );
      expect(claimed).toHaveLength(1);
      await first.close();

      const second = await deliveringServer(dialect, { database, keepDatabase: true, instanceId: 'second' });
      try {
        const done = await settled(second, hook.id, 2, (d) => d.status === 'delivered', 15_000);
        expect(done.map((d) => d.id)).toEqual(queued.map((d) => d.id));
        const got = receiver.at('/restart');
        expect(got.map((r) => r.id).sort()).toEqual(queued.map((d) => d.id).sort());
        const late = got.find((r) => r.id === claimed[0]!.id)!;
        const early = got.find((r) => r.id !== claimed[0]!.id)!;
        expect(late.at - early.at).toBeGreaterThan(500);
        for (const r of got) expect(WebhookReceiver.verify(r, hook.secret).data.release.parameters.DB_PASSWORD).toBe('********');
      } finally {
        await second.close();
      }
    } finally {
      await database.drop();
    }
  });
});

// Several processes on one database is a PostgreSQL feature (the embedded SQLite store serves one process).
describe('webhooks from two servers on one PostgreSQL', () => {
  it('delivers each message once when every attempt succeeds', async () => {
    const receiver = await WebhookReceiver.start();
    const database = testDatabase('postgres');
    const shared = { database, keepDatabase: true, webhookDispatcher: { pollMs: 20, concurrency: 3 } } as const;
    const a = await deliveringServer('postgres', { ...shared, instanceId: 'a' });
    const b = await deliveringServer('postgres', { ...shared, instanceId: 'b' });
    try {
      await createEnvironments(a);
      const hook = await subscribe(a, { url: `${receiver.url}/shared`, events: ['release.created'] });
      const created = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          (i % 2 ? a : b).api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
            application: `app-${i}`,
            environment: 'staging',
            spec,
            parameters: { TAG: '1', DB_PASSWORD: PARAMETER_SECRET },
          }),
        ),
      );
      expect(created.map((r) => r.status)).toEqual(Array(24).fill(201));
      const done = await settled(b, hook.id, 24, (d) => d.status === 'delivered' && d.attempts === 1, 20_000);
      const ids = receiver.at('/shared').map((r: ReceivedRequest) => r.id);
      expect(ids).toHaveLength(24);
      expect(new Set(ids)).toEqual(new Set(done.map((d) => d.id)));
      const releases = receiver.at('/shared').map((r) => WebhookReceiver.verify(r, hook.secret).data.release.id);
      expect(new Set(releases)).toEqual(new Set(created.map((r) => r.body.id)));
    } finally {
      await a.close();
      await b.close();
      await database.drop();
      await receiver.close();
    }
  });

  it("holds a subscription made or deleted on one server for the other's very next event, and never fails a write", async () => {
    const database = testDatabase('postgres');
    const shared = { database, keepDatabase: true } as const;
    // Nothing is sent here: what counts is what each write queues, in its own transaction.
    const a = await startTestServer({ dialect: 'postgres', ...shared, instanceId: 'a', webhookAllowPrivate: true });
    const b = await startTestServer({ dialect: 'postgres', ...shared, instanceId: 'b', webhookAllowPrivate: true });
    const draft = (srv: TestServer, i: number) =>
      srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
        application: `v-${i}`,
        environment: 'staging',
        spec,
        parameters: { TAG: '1', DB_PASSWORD: PARAMETER_SECRET },
      });
    try {
      await createEnvironments(a);
      // b learns the subscriptions as they are now (none) with its first event.
      expect((await draft(b, 0)).status).toBe(201);
      const first = await subscribe(a, { url: 'http://127.0.0.1:9/first', events: ['release.created'] });
      expect((await draft(b, 1)).status).toBe(201);
      expect(await deliveries(b, first.id)).toHaveLength(1);

      // Deleted on a while b writes: every write succeeds, and none after the delete queues anything to it.
      const [writes, deleted] = await Promise.all([
        Promise.all(Array.from({ length: 12 }, (_, i) => draft(b, 100 + i))),
        a.api(ADMIN_TOKEN, 'DELETE', `/api/v1/webhooks/${first.id}`),
      ]);
      expect(writes.map((r) => r.status)).toEqual(Array(12).fill(201));
      expect(deleted.status).toBe(204);
      expect((await b.api(ADMIN_TOKEN, 'GET', `/api/v1/webhooks/${first.id}/deliveries`)).status).toBe(404);

      const second = await subscribe(a, { url: 'http://127.0.0.1:9/second', events: ['release.created'] });
      const after = await draft(b, 2);
      expect(after.status).toBe(201);
      const queued = await deliveries(b, second.id);
      expect(queued).toHaveLength(1);
      // And b's own subscription list, asked of b, is the one a left.
      const listed = await b.api(ADMIN_TOKEN, 'GET', '/api/v1/webhooks');
      expect(listed.body.items.map((w: { id: string }) => w.id)).toEqual([second.id]);
    } finally {
      await a.close();
      await b.close();
      await database.drop();
    }
  });
});
