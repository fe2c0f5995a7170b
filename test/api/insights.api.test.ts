import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/dialects.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { releaseIn } from '../support/deploy.js';

const HOUR = 3_600_000;
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const compose = 'services:\n  web:\n    image: web:${TAG}\n';

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format: its samples, and each family's `# TYPE`. */
function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

/** The value of the sample named `name` whose labels include `labels` (0 when there is none). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found?.value ?? 0;
}

/** Drafts a release of `application` running image tag `tag` in `environment`, as the holder of `token`. */
async function drafted(server: TestServer, token: string, environment: string, application: string, tag: string): Promise<any> {
  const draft = await server.api(token, 'POST', '/api/v1/releases', {
    application,
    environment,
    spec: { compose },
    parameters: { TAG: tag },
  });
  expect(draft.status, JSON.stringify(draft.body)).toBe(201);
  return draft.body;
}

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;
const dayOf = (at: string) => at.slice(0, 10);

describe.each(DIALECTS)('insights and metrics (%s)', (dialect) => {
  let srv: TestServer;
  let receiver: WebhookReceiver;
  let deployer: string;
  let approver: string;
  let viewerStaging: string;
  let viewerQa: string;
  /** The releases of the history, by name, as the API shows them once it ended. */
  const made: Record<string, any> = {};

  async function scrape(server = srv, token: string | null = null) {
    const res = await fetch(`${server.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheus(await res.text());
  }

  async function insights(token: string, query = '') {
    return srv.api(token, 'GET', `/api/v1/insights${query}`);
  }

  const ended = (id: string, states = ['succeeded', 'failed', 'interrupted']) => releaseIn(srv, id, states);

  /** Drafts a release; `waitMs` passes (on the server's clock) before it is previewed and applied. */
  async function release(name: string, environment: string, application: string, tag: string, waitMs = 0) {
    const draft = await drafted(srv, deployer, environment, application, tag);
    srv.clock.advance(waitMs);
    made[name] = await applied(draft.id);
  }

  async function applied(id: string) {
    const preview = await srv.api(deployer, 'POST', `/api/v1/releases/${id}/preview`);
    expect(preview.status, JSON.stringify(preview.body)).toBe(201);
    const apply = await srv.api(deployer, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: preview.body.preview.token });
    expect(apply.status, JSON.stringify(apply.body)).toBe(202);
    return ended(id);
  }

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    receiver.answer = (request) => (request.path === '/down' ? 500 : 204);
    srv = await startTestServer({ dialect, webhookAllowPrivate: true });
    for (const env of [
      { name: 'staging', runtime: 'compose', target: { project: 'inststg' }, previewTtlSeconds: 7200 },
      { name: 'production', runtime: 'compose', target: { project: 'instprod' }, approval: { required: true, minApprovers: 1 } },
      { name: 'qa', runtime: 'compose', target: { project: 'instqa' } },
    ]) {
      expect((await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env)).status).toBe(201);
    }
    deployer = await srv.tokenFor('dana', 'deployer');
    approver = await srv.tokenFor('alice', 'approver');
    viewerStaging = await srv.tokenFor('vic', 'viewer', ['staging']);
    viewerQa = await srv.tokenFor('quinn', 'viewer', ['qa']);
    for (const [path, events] of [
      ['/ok', ['execution.failed']],
      ['/down', ['approval.requested']],
    ] as const) {
      const hook = { url: `${receiver.url}${path}`, events, environments: ['*'], format: 'standard' };
      expect((await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/webhooks', hook)).status).toBe(201);
    }

    // Two days of releases: a success, a failure restored by the next success, that success rolled back, a release
    // through approval in production, a failure never restored, and an apply Shipgate could not drive.
    await release('s1', 'staging', 'web', '1', HOUR);
    srv.clock.advance(24 * HOUR);
    await release('f1', 'staging', 'web', 'fail');
    srv.clock.advance(2 * HOUR);
    await release('s2', 'staging', 'web', '2', HOUR / 2);
    const rollback = await srv.api(deployer, 'POST', `/api/v1/releases/${made['s2'].id}/rollback`, {});
    expect(rollback.status, JSON.stringify(rollback.body)).toBe(201);
    made['rb'] = await applied(rollback.body.id);
    made['s2'] = await ended(made['s2'].id, ['rolled_back']);

    const p1 = await drafted(srv, deployer, 'production', 'web', '2');
    const preview = await srv.api(deployer, 'POST', `/api/v1/releases/${p1.id}/preview`);
    const submitted = await srv.api(deployer, 'POST', `/api/v1/releases/${p1.id}/submit`, { previewToken: preview.body.preview.token });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    srv.clock.advance(10 * 60_000);
    const decided = await srv.api(approver, 'POST', `/api/v1/approvals/${submitted.body.approval.ticketId}/decision`, {
      decision: 'approve',
    });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const apply = await srv.api(deployer, 'POST', `/api/v1/releases/${p1.id}/apply`, { previewToken: preview.body.preview.token });
    expect(apply.status, JSON.stringify(apply.body)).toBe(202);
    made['p1'] = await ended(p1.id);

    await release('f2', 'staging', 'api', 'fail');
    await release('i1', 'staging', 'web', 'crash');
    expect(Object.fromEntries(Object.entries(made).map(([name, r]) => [name, r.state]))).toEqual({
      s1: 'succeeded',
      f1: 'failed',
      s2: 'rolled_back',
      rb: 'succeeded',
      p1: 'succeeded',
      f2: 'failed',
      i1: 'interrupted',
    });
  }, 120_000);

  afterAll(async () => {
    await srv?.close();
    await receiver?.close();
  });

  describe('GET /api/v1/insights', () => {
    it('computes the four keys and the daily series of the known history', async () => {
      const res = await insights(deployer);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      // Deployments: s1, s2 (it succeeded before it was rolled back), the rollback, p1.
      expect(res.body.deploymentsPerDay).toBe(4 / 30);
      const leads = ['s1', 's2', 'rb', 'p1'].map((n) => seconds(made[n].createdAt, made[n].execution.finishedAt)).sort((a, b) => a - b);
      expect(leads[0]).toBeGreaterThanOrEqual(0);
      expect(res.body.leadTimeSeconds.p50).toBeCloseTo((leads[1]! + leads[2]!) / 2, 6);
      expect(res.body.leadTimeSeconds.p90).toBeCloseTo(leads[2]! + 0.7 * (leads[3]! - leads[2]!), 6);
      // Applied: s1, f1, s2, rb, p1, f2 (i1 was interrupted: not counted); f1, f2 failed and s2 was rolled back.
      expect(res.body.changeFailureRate).toBe(3 / 6);
      // Only f1 was restored (by s2); f2 never was.
      expect(res.body.timeToRestoreSeconds).toEqual({ p50: seconds(made['f1'].execution.finishedAt, made['s2'].execution.finishedAt) });
      expect(res.body.timeToRestoreSeconds.p50).toBeGreaterThanOrEqual(2.5 * 3600);

      const expected = new Map<string, { succeeded: number; failed: number; rolledBack: number }>();
      for (const [name, outcome] of [
        ['s1', 'succeeded'],
        ['f1', 'failed'],
        ['s2', 'rolledBack'],
        ['rb', 'succeeded'],
        ['p1', 'succeeded'],
        ['f2', 'failed'],
      ] as const) {
        const day = dayOf(made[name].execution.finishedAt);
        const counts = expected.get(day) ?? { succeeded: 0, failed: 0, rolledBack: 0 };
        counts[outcome] += 1;
        expected.set(day, counts);
      }
      expect(res.body.series).toHaveLength(30);
      expect(res.body.series.at(-1).day).toBe(dayOf(srv.clock.now().toISOString()));
      for (const day of res.body.series) {
        expect(day, day.day).toEqual({ day: day.day, ...(expected.get(day.day) ?? { succeeded: 0, failed: 0, rolledBack: 0 }) });
      }
    });

    it('narrows to an environment, an application and a window', async () => {
      const production = await insights(deployer, '?environment=production');
      expect(production.body).toMatchObject({
        deploymentsPerDay: 1 / 30,
        changeFailureRate: 0,
        timeToRestoreSeconds: { p50: null },
        leadTimeSeconds: { p50: seconds(made['p1'].createdAt, made['p1'].execution.finishedAt) },
      });
      const api = await insights(deployer, '?environment=staging&application=api&windowDays=7');
      expect(api.body).toMatchObject({
        deploymentsPerDay: 0,
        leadTimeSeconds: { p50: null, p90: null },
        changeFailureRate: 1,
        timeToRestoreSeconds: { p50: null },
      });
      expect(api.body.series).toHaveLength(7);
      const today = await insights(deployer, '?windowDays=1');
      expect(today.body.series).toEqual([expect.objectContaining({ day: dayOf(srv.clock.now().toISOString()) })]);
      const nothing = await insights(deployer, '?application=nothing-here&windowDays=365');
      expect(nothing.body).toMatchObject({
        deploymentsPerDay: 0,
        leadTimeSeconds: { p50: null, p90: null },
        changeFailureRate: null,
        timeToRestoreSeconds: { p50: null },
      });
      expect(nothing.body.series).toHaveLength(365);
    });

    it('counts only the environments a caller may read', async () => {
      const staging = await insights(viewerStaging);
      expect(staging.status).toBe(200);
      // s1, f1, s2, rb, f2: p1 is in production.
      expect(staging.body).toMatchObject({ deploymentsPerDay: 3 / 30, changeFailureRate: 3 / 5 });
      const qa = await insights(viewerQa);
      expect(qa.body).toMatchObject({ deploymentsPerDay: 0, changeFailureRate: null, leadTimeSeconds: { p50: null, p90: null } });
      expect(JSON.stringify(qa.body)).not.toContain('NaN');
    });

    it('refuses an environment the caller may not read, whether it exists or not, alike', async () => {
      const other = await insights(viewerStaging, '?environment=production');
      const unknown = await insights(viewerStaging, '?environment=nowhere');
      for (const res of [other, unknown]) {
        expect(res.status).toBe(403);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.code).toBe('FORBIDDEN');
      }
      expect(unknown.body.detail).toBe(other.body.detail);
      expect(JSON.stringify(other.body)).not.toContain('production');
      const withApplication = await insights(viewerQa, '?environment=staging&application=web');
      expect(withApplication.status).toBe(403);
      // Whoever may read every environment hears that one does not exist.
      const missing = await insights(ADMIN_TOKEN, '?environment=nowhere');
      expect([missing.status, missing.body.code]).toEqual([404, 'NOT_FOUND']);
      expect((await srv.api(null, 'GET', '/api/v1/insights')).status).toBe(401);
      expect((await srv.api('sgt_not_a_token_at_all_0000000000', 'GET', '/api/v1/insights')).body.code).toBe('UNAUTHENTICATED');
    });

    it('answers 400 VALIDATION_FAILED to a bad window or name, never a 500', async () => {
      for (const query of [
        'windowDays=0',
        'windowDays=366',
        'windowDays=1.5',
        'windowDays=abc',
        'windowDays=1e400',
        'windowDays=-1',
        'windowDays=',
        'windowDays=7&windowDays=8',
        'environment=Production',
        'environment=',
        `environment=${'a'.repeat(64)}`,
        'environment=..%2Fstaging',
        'application=web%00',
        "application=web'--",
        'since=2020-01-01',
      ]) {
        const res = await insights(deployer, `?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.body.code, query).toBe('VALIDATION_FAILED');
      }
    });

    it('is described in the OpenAPI document; /metrics is not', async () => {
      const doc = await srv.api(null, 'GET', '/api/v1/openapi.json');
      expect(doc.body.paths['/api/v1/insights'].get.parameters.map((p: any) => p.name).sort()).toEqual([
        'application',
        'environment',
        'windowDays',
      ]);
      expect(doc.body.paths['/metrics']).toBeUndefined();
    });
  });

  describe('GET /metrics', () => {
    it('publishes the release counts, apply durations, approval waits and webhook attempts of the history', async () => {
      await eventually(async () => receiver.at('/ok').length === 2 && receiver.at('/down').length >= 1, 10_000, 'webhook attempts');
      const { samples, types } = await eventually(async () => {
        const scraped = await scrape();
        return valueOf(scraped.samples, 'shipgate_webhook_deliveries_total', { outcome: 'delivered' }) === 2 ? scraped : null;
      });
      expect(
        Object.fromEntries(
          ['http_request_duration', 'approval_wait', 'apply_duration'].map((n) => [n, types.get(`shipgate_${n}_seconds`)]),
        ),
      ).toEqual({
        http_request_duration: 'histogram',
        approval_wait: 'histogram',
        apply_duration: 'histogram',
      });
      expect([types.get('shipgate_releases'), types.get('shipgate_executor_queue_depth')]).toEqual(['gauge', 'gauge']);
      expect(types.get('shipgate_webhook_deliveries_total')).toBe('counter');
      // Node's default metrics, in this server's own registry.
      expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
      expect(types.has('nodejs_eventloop_lag_seconds')).toBe(true);

      const releases = (environment: string, state: string) => valueOf(samples, 'shipgate_releases', { environment, state });
      expect({
        succeeded: releases('staging', 'succeeded'),
        failed: releases('staging', 'failed'),
        rolledBack: releases('staging', 'rolled_back'),
        interrupted: releases('staging', 'interrupted'),
        production: releases('production', 'succeeded'),
        qa: releases('qa', 'succeeded'),
      }).toEqual({ succeeded: 2, failed: 2, rolledBack: 1, interrupted: 1, production: 1, qa: 0 });
      expect(samples.filter((s) => s.name === 'shipgate_releases' && s.labels['environment'] === 'qa')).toHaveLength(11);
      expect(valueOf(samples, 'shipgate_executor_queue_depth')).toBe(0);

      const applies = (outcome: string) => valueOf(samples, 'shipgate_apply_duration_seconds_count', { runtime: 'compose', outcome });
      expect([applies('succeeded'), applies('failed'), applies('interrupted')]).toEqual([4, 2, 1]);
      expect(valueOf(samples, 'shipgate_apply_duration_seconds_sum', { runtime: 'compose', outcome: 'succeeded' })).toBeGreaterThan(0);

      // p1 waited the ten minutes the clock was moved between its submit and its approval.
      expect(valueOf(samples, 'shipgate_approval_wait_seconds_count', { outcome: 'approved' })).toBe(1);
      const wait = valueOf(samples, 'shipgate_approval_wait_seconds_sum', { outcome: 'approved' });
      expect(wait).toBeGreaterThanOrEqual(600);
      expect(wait).toBeLessThan(660);
      expect(valueOf(samples, 'shipgate_approval_wait_seconds_bucket', { outcome: 'approved', le: '300' })).toBe(0);
      expect(valueOf(samples, 'shipgate_approval_wait_seconds_bucket', { outcome: 'approved', le: '900' })).toBe(1);

      expect(valueOf(samples, 'shipgate_webhook_deliveries_total', { outcome: 'delivered' })).toBe(2);
      expect(valueOf(samples, 'shipgate_webhook_deliveries_total', { outcome: 'retrying' })).toBeGreaterThanOrEqual(1);
      expect(valueOf(samples, 'shipgate_webhook_deliveries_total', { outcome: 'failed' })).toBe(0);
    });

    it('times each request under its route pattern, never the URL asked for', async () => {
      const labels = { method: 'GET', route: '/api/v1/insights', status: '200' };
      const before = valueOf((await scrape()).samples, 'shipgate_http_request_duration_seconds_count', labels);
      await insights(deployer, '?windowDays=3');
      await insights(deployer, '?windowDays=0');
      await srv.api(deployer, 'GET', `/api/v1/releases/${made['s1'].id}`);
      await srv.api(deployer, 'GET', '/no/such/path/0190a0b0-0000-7000-8000-000000000000');
      const { samples } = await scrape();
      expect(valueOf(samples, 'shipgate_http_request_duration_seconds_count', labels)).toBe(before + 1);
      expect(valueOf(samples, 'shipgate_http_request_duration_seconds_count', { ...labels, status: '400' })).toBeGreaterThanOrEqual(1);
      expect(
        valueOf(samples, 'shipgate_http_request_duration_seconds_count', { route: '/api/v1/releases/:id', status: '200' }),
      ).toBeGreaterThan(0);
      expect(valueOf(samples, 'shipgate_http_request_duration_seconds_count', { route: 'unmatched', status: '404' })).toBeGreaterThan(0);
      const requests = samples.filter((s) => s.name.startsWith('shipgate_http_request_duration_seconds'));
      for (const s of requests) {
        expect(s.labels['route'], JSON.stringify(s.labels)).not.toMatch(UUID);
        expect(s.labels['route'], JSON.stringify(s.labels)).not.toContain('?');
      }
    });

    it('asks for SHIPGATE_METRICS_TOKEN when it is set, and counts releases waiting for an executor', async () => {
      const guarded = await startTestServer({ dialect, metricsToken: METRICS_TOKEN, startExecutor: false });
      try {
        for (const authorization of [
          null,
          `Bearer ${METRICS_TOKEN}x`,
          `Bearer ${METRICS_TOKEN.slice(1)}`,
          `Bearer ${ADMIN_TOKEN}`,
          METRICS_TOKEN,
        ]) {
          const res = await fetch(`${guarded.url}/metrics`, authorization ? { headers: { authorization } } : {});
          expect(res.status, String(authorization)).toBe(401);
          expect(res.headers.get('content-type')).toContain('application/problem+json');
          const body = await res.text();
          expect(JSON.parse(body).code).toBe('UNAUTHENTICATED');
          expect(body).not.toContain('shipgate_');
        }
        const env = { name: 'staging', runtime: 'compose', target: { project: 'instguard' } };
        expect((await guarded.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env)).status).toBe(201);
        const draft = await drafted(guarded, ADMIN_TOKEN, 'staging', 'web', '1');
        const preview = await guarded.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${draft.id}/preview`);
        const apply = await guarded.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${draft.id}/apply`, {
          previewToken: preview.body.preview.token,
        });
        expect(apply.status).toBe(202);
        const { samples } = await scrape(guarded, METRICS_TOKEN);
        expect(valueOf(samples, 'shipgate_executor_queue_depth')).toBe(1);
        expect(valueOf(samples, 'shipgate_releases', { environment: 'staging', state: 'applying' })).toBe(1);
        // Its own registry: nothing of the other server's history.
        expect(valueOf(samples, 'shipgate_apply_duration_seconds_count', { runtime: 'compose', outcome: 'succeeded' })).toBe(0);
      } finally {
        await guarded.close();
      }
    });
  });
});
