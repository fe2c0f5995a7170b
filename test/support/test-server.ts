import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Shipgate, type ShipgateOptions } from '../../src/app/shipgate.js';
import { buildServer } from '../../src/adapters/http/server.js';
import type { StreamLimits } from '../../src/adapters/http/release-stream.js';
import type { KyselyStore } from '../../src/adapters/storage/kysely-store.js';
import { PostgresChangeFeed } from '../../src/adapters/storage/postgres-change-feed.js';
import { createLogger } from '../../src/adapters/system/logger.js';
import { UuidV7Ids } from '../../src/adapters/system/uuid-ids.js';
import { AuditKeyring } from '../../src/adapters/system/audit-keyring.js';
import { TEST_AUDIT_KEY } from './audit-keys.js';
import type { RuntimeDrivers } from '../../src/ports/runtime-driver.js';
import { CommandCenter, type IntentInterpreter } from '../../src/adapters/ai/command-center.js';
import { RuleInterpreter } from '../../src/adapters/ai/rule-interpreter.js';
import { testDatabase, type Dialect, type TestDatabase } from './dialects.js';
import { TestClock } from './test-clock.js';
import { ScriptedDriver } from './scripted-driver.js';
import { CelRuleEvaluator } from '../../src/adapters/policy/cel-rule-evaluator.js';
import { HttpWebhookSender } from '../../src/adapters/webhooks/http-webhook-sender.js';
import type { WebhookDispatcherOptions } from '../../src/app/webhook-dispatcher.js';
import { PrometheusMetrics } from '../../src/adapters/metrics/prometheus-metrics.js';

export const ADMIN_TOKEN = 'sgt_test_admin_token_0123456789';

export interface TestServer {
  url: string;
  app: FastifyInstance;
  shipgate: Shipgate;
  store: KyselyStore;
  clock: TestClock;
  driver: ScriptedDriver;
  /** Captured log lines (JSON). */
  logs: string[];
  /** Calls the API as the holder of `token`. */
  api(token: string | null, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  /** Issues a token for `subject` with `role` on `environments` and returns it. */
  tokenFor(subject: string, role: string, environments?: string[]): Promise<string>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

export interface TestServerOptions {
  dialect: Dialect;
  drivers?: RuntimeDrivers;
  leaseMs?: number;
  pollMs?: number;
  instanceId?: string;
  database?: TestDatabase;
  /** Keep the database after close (another server will share it). */
  keepDatabase?: boolean;
  rateLimitPerMinute?: number;
  /** Failed authentications per minute one address may cause (default: the server's). */
  authFailuresPerMinute?: number;
  /** Bounds of the release streams (default: the server's). */
  streams?: Partial<StreamLimits>;
  /** The command center's interpreter (default: the embedded parser). */
  interpreter?: IntentInterpreter;
  /** Serve the built web UI from this folder. */
  webRoot?: string;
  /** Start the executor (default true). */
  startExecutor?: boolean;
  /** How long verification waits between two checks (default 100 ms). */
  verifyIntervalMs?: number;
  /** Run the first-run setup `npm start` runs (environment "local" on an empty store whose engine answers). */
  firstRun?: boolean;
  /** The audit key (default {@link TEST_AUDIT_KEY}). */
  auditKey?: string;
  /** Check every environment for drift this often in the background (default: never). */
  driftIntervalMs?: number;
  /** SHIPGATE_WEBHOOK_ALLOW_PRIVATE (default false: a receiver on this machine is refused). */
  webhookAllowPrivate?: boolean;
  /** The webhook dispatcher's poll, time limit and retries (default: polled every 100 ms). */
  webhookDispatcher?: Omit<WebhookDispatcherOptions, 'instanceId'>;
  /** Start delivering webhooks (default true). */
  startWebhooks?: boolean;
  /** SHIPGATE_PUBLIC_URL (default: the server's own URL is unknown before it listens, so http://shipgate.test). */
  publicUrl?: string;
  /** Listen on this port (default: any free one). */
  port?: number;
  /** OpenID Connect sign-in and trusted CI issuers (default: neither). */
  identity?: ShipgateOptions['identity'];
  /** SHIPGATE_METRICS_TOKEN (default: none, `/metrics` is open). */
  metricsToken?: string;
  /** On PostgreSQL, tell and hear the other servers on the same database through LISTEN/NOTIFY, as `npm start` does. */
  changeFeed?: boolean;
  /** Count rate limits in the store, shared with the other servers on the same database, as `npm start` does on PostgreSQL. */
  sharedRateLimits?: boolean;
}

/** A real Shipgate server on a free port, on a fresh database of the dialect, with a scripted runtime. */
export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const database = options.database ?? testDatabase(options.dialect);
  const auditKeys = AuditKeyring.fromSecret(options.auditKey ?? TEST_AUDIT_KEY);
  const store = await database.open(auditKeys);
  const clock = new TestClock();
  const driver = new ScriptedDriver('compose');
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
  // A registry per server, as `npm start` makes one: several servers in one test process keep their metrics apart.
  const metrics = new PrometheusMetrics();
  const changeFeed =
    options.changeFeed && options.dialect === 'postgres'
      ? await PostgresChangeFeed.connect({
          url: database.url,
          ...(database.schema ? { schema: database.schema } : {}),
          onError: (err: unknown) => logger.warn({ err }, 'change feed'),
        })
      : null;
  const shipgate = new Shipgate({
    store,
    changeFeed,
    metrics,
    drivers: options.drivers ?? { compose: driver },
    clock,
    ids: new UuidV7Ids(),
    logger,
    rules: new CelRuleEvaluator(),
    adminToken: ADMIN_TOKEN,
    auditKeys,
    executor: {
      instanceId: options.instanceId ?? 'test',
      leaseMs: options.leaseMs ?? 5_000,
      pollMs: options.pollMs ?? 100,
      verifyIntervalMs: options.verifyIntervalMs ?? 100,
    },
    driftIntervalMs: options.driftIntervalMs ?? 0,
    publicUrl: options.publicUrl ?? 'http://shipgate.test',
    webhooks: {
      sender: new HttpWebhookSender({ allowPrivate: options.webhookAllowPrivate ?? false }),
      dispatcher: { pollMs: 100, ...options.webhookDispatcher },
    },
    identity: options.identity,
  });
  const commandCenter = new CommandCenter(shipgate, options.interpreter ?? new RuleInterpreter());
  const app = await buildServer({
    shipgate,
    logger,
    commandCenter,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
    authFailuresPerMinute: options.authFailuresPerMinute,
    streams: options.streams,
    webRoot: options.webRoot ?? null,
    publicUrl: options.publicUrl,
    metrics,
    metricsToken: options.metricsToken ?? null,
    ...(options.sharedRateLimits ? { rateCounter: store.rateCounter } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  if (options.firstRun) await shipgate.environments.firstRun();
  if (options.startExecutor !== false) shipgate.executor.start();
  shipgate.driftMonitor.start();
  if (options.startWebhooks !== false) shipgate.webhookDispatcher?.start();
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const api: TestServer['api'] = async (token, method, path, body, headers = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };

  return {
    url,
    app,
    shipgate,
    store,
    clock,
    driver,
    logs,
    api,
    async tokenFor(subject, role, environments = ['*']) {
      const res = await api(ADMIN_TOKEN, 'POST', '/api/v1/tokens', { subject, bindings: [{ role, environments }] });
      if (res.status !== 201) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.token as string;
    },
    async close() {
      await app.close();
      await shipgate.driftMonitor.stop();
      await shipgate.webhookDispatcher?.stop();
      await shipgate.executor.stop();
      await changeFeed?.close();
      await store.close();
      if (!options.keepDatabase) await database.drop();
    },
  };
}

/** Polls until `check` returns a truthy value or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
