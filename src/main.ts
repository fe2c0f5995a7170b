import { Shipgate } from './app/shipgate.js';
import { ComposeDriver } from './adapters/runtimes/compose/compose-driver.js';
import { CommandCenter } from './adapters/ai/command-center.js';
import { RuleInterpreter } from './adapters/ai/rule-interpreter.js';
import { buildServer } from './adapters/http/server.js';
import { KyselyStore } from './adapters/storage/kysely-store.js';
import { loadAuditSecret } from './adapters/system/audit-key-file.js';
import { AuditKeyring } from './adapters/system/audit-keyring.js';
import { createLogger } from './adapters/system/logger.js';
import { systemClock } from './adapters/system/system-clock.js';
import { UuidV7Ids } from './adapters/system/uuid-ids.js';
import { loadConfig } from './config.js';
import type { RuntimeDrivers } from './ports/runtime-driver.js';
import { CelRuleEvaluator } from './adapters/policy/cel-rule-evaluator.js';
import { HttpWebhookSender } from './adapters/webhooks/http-webhook-sender.js';
import { JoseWorkloadVerifier } from './adapters/identity/jose-workload-verifier.js';
import { OpenIdClientProvider } from './adapters/identity/openid-client-provider.js';
import { PrometheusMetrics } from './adapters/metrics/prometheus-metrics.js';

/**
 * What a person starting Shipgate reads first: where it runs, the admin token (printed once, to the terminal only: it
 * is stored as a hash and cannot be shown again), and what the first run set up.
 */
function startBanner(url: string, adminToken: string | null, createdLocal: boolean, dockerHost: string | undefined): string {
  const lines = ['', `Shipgate is running at ${url}`];
  if (adminToken) lines.push('', 'Sign in with this admin token (shown only now):', '', `  ${adminToken}`);
  if (createdLocal) {
    lines.push('', `Environment "local" deploys to the Docker engine at ${dockerHost || 'unix:///var/run/docker.sock'}.`);
    lines.push('Open the web UI and choose "Deploy an example".');
  }
  return `${lines.join('\n')}\n\n`;
}

/** Composition root: the only place that wires adapters to ports. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const auditSecret = loadAuditSecret({ secret: config.auditKey, dataDir: config.dataDir });
  const auditKeys = AuditKeyring.fromSecret(auditSecret.secret);
  logger.info({ source: auditSecret.source, path: auditSecret.path, publicKey: auditKeys.publicKey }, 'audit key loaded');
  const store = await KyselyStore.create({ url: config.databaseUrl, chain: auditKeys });
  const drivers: RuntimeDrivers = {};
  if (config.runtimes.includes('compose')) drivers.compose = ComposeDriver.create(config.compose);
  // The Kubernetes client and the LLM client are large: loaded only when configured (start time and memory).
  if (config.runtimes.includes('kubernetes')) {
    const [{ KubernetesDriver }, { loadKubeConfig }] = await Promise.all([
      import('./adapters/runtimes/kubernetes/kubernetes-driver.js'),
      import('./adapters/runtimes/kubernetes/kube-client.js'),
    ]);
    drivers.kubernetes = KubernetesDriver.create({ kubeConfig: loadKubeConfig(config.kubeconfigPath) });
  }
  const metrics = new PrometheusMetrics();
  // Replicas on one PostgreSQL tell each other of their writes (LISTEN/NOTIFY) instead of polling every second.
  const changeFeed =
    store.capabilities.name === 'postgres'
      ? await (await import('./adapters/storage/postgres-change-feed.js')).PostgresChangeFeed.connect({
          url: config.databaseUrl,
          onError: (err) => logger.warn({ err }, 'change feed'),
        })
      : null;
  const shipgate = new Shipgate({
    store,
    changeFeed,
    metrics,
    drivers,
    clock: systemClock,
    ids: new UuidV7Ids(),
    logger,
    rules: new CelRuleEvaluator(),
    adminToken: config.adminToken,
    auditKeys,
    executor: {
      instanceId: config.instanceId,
      leaseMs: config.leaseMs,
      concurrency: config.executorConcurrency,
      shutdownGraceMs: config.shutdownGraceSeconds * 1000,
    },
    driftIntervalMs: config.driftIntervalSeconds * 1000,
    publicUrl: config.publicUrl,
    webhooks: { sender: new HttpWebhookSender({ allowPrivate: config.webhookAllowPrivate }) },
    identity: {
      oidc: config.oidc ? new OpenIdClientProvider(config.oidc) : null,
      workload: config.trustedIssuers.length > 0 ? new JoseWorkloadVerifier(config.trustedIssuers) : null,
    },
  });
  const generated = await shipgate.access.bootstrapAdmin();
  const local = await shipgate.environments.firstRun();
  const interpreter = config.ai
    ? new (await import('./adapters/ai/llm-interpreter.js')).LlmInterpreter({
        baseURL: config.ai.baseUrl,
        model: config.ai.model,
        apiKey: config.ai.apiKey,
        logger,
      })
    : new RuleInterpreter();
  const commandCenter = new CommandCenter(shipgate, interpreter);
  const app = await buildServer({
    shipgate,
    logger,
    commandCenter,
    bodyLimit: config.bodyLimitBytes,
    rateLimitPerMinute: config.rateLimitPerMinute,
    authFailuresPerMinute: config.authFailuresPerMinute,
    streams: config.streams,
    webRoot: config.webRoot,
    publicUrl: config.publicUrl,
    metrics,
    metricsToken: config.metricsToken,
    // Replicas on one PostgreSQL count one window per token and per address between them.
    ...(store.capabilities.name === 'postgres' ? { rateCounter: store.rateCounter } : {}),
  });
  shipgate.executor.start();
  shipgate.driftMonitor.start();
  shipgate.webhookDispatcher?.start();
  await app.listen({ host: config.host, port: config.port });
  if (!config.webRoot) logger.warn('the web UI is not built (npm run build:web); serving the API only');
  process.stdout.write(startBanner(config.publicUrl, generated, local !== null, config.compose.dockerHost));
  logger.info({ url: `http://${config.host}:${config.port}`, store: store.capabilities.name }, 'Shipgate is listening');

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await app.close();
    await shipgate.driftMonitor.stop();
    await shipgate.webhookDispatcher?.stop();
    await shipgate.executor.stop();
    await changeFeed?.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Shipgate failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
