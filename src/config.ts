import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Shipgate's configuration, read once from the environment. */
export interface Config {
  host: string;
  port: number;
  databaseUrl: string;
  adminToken: string | null;
  logLevel: string;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  /** Name of this process in execution leases. */
  instanceId: string;
  leaseMs: number;
  /** The runtimes this server drives. */
  runtimes: ReadonlyArray<'compose' | 'kubernetes'>;
  compose: { dockerHost: string; pull: 'missing' | 'always' | 'never' };
  /** The kubeconfig file for the Kubernetes runtime; unset: the default kubeconfig, else in-cluster config. */
  kubeconfigPath: string | undefined;
  /** An OpenAI-compatible model for the command center; without it the embedded parser is used. */
  ai: { baseUrl: string; model: string; apiKey: string } | null;
  /** The built web UI, when present. */
  webRoot: string | null;
}

/** Reads the configuration from environment variables, with the embedded defaults. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const port = Number.parseInt(env['PORT'] ?? '8080', 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env['PORT']}"`);
  const webDist = env['SHIPGATE_WEB_ROOT'] ?? join(process.cwd(), 'web', 'dist');
  const runtimes = (env['SHIPGATE_RUNTIMES'] ?? 'compose').split(',').map((r) => r.trim()).filter(Boolean);
  for (const r of runtimes) if (r !== 'compose' && r !== 'kubernetes') throw new Error(`SHIPGATE_RUNTIMES: unknown runtime "${r}"`);
  const pull = env['SHIPGATE_COMPOSE_PULL'] ?? 'missing';
  if (pull !== 'missing' && pull !== 'always' && pull !== 'never') throw new Error(`SHIPGATE_COMPOSE_PULL must be missing, always or never`);
  return Object.freeze({
    host: env['HOST'] ?? '127.0.0.1',
    port,
    databaseUrl: env['SHIPGATE_DATABASE_URL'] ?? `sqlite:${join(process.cwd(), 'data', 'shipgate.db')}`,
    adminToken: env['SHIPGATE_ADMIN_TOKEN'] || null,
    logLevel: env['LOG_LEVEL'] ?? 'info',
    bodyLimitBytes: Number.parseInt(env['SHIPGATE_BODY_LIMIT_BYTES'] ?? String(1024 * 1024), 10),
    rateLimitPerMinute: Number.parseInt(env['SHIPGATE_RATE_LIMIT_PER_MINUTE'] ?? '3000', 10),
    instanceId: env['SHIPGATE_INSTANCE_ID'] ?? `${process.pid}@${env['HOSTNAME'] ?? 'shipgate'}`,
    leaseMs: Number.parseInt(env['SHIPGATE_LEASE_MS'] ?? '30000', 10),
    runtimes: runtimes as Config['runtimes'],
    ai: env['SHIPGATE_AI_BASE_URL']
      ? { baseUrl: env['SHIPGATE_AI_BASE_URL'], model: env['SHIPGATE_AI_MODEL'] ?? 'gpt-4o-mini', apiKey: env['SHIPGATE_AI_API_KEY'] ?? '' }
      : null,
    webRoot: existsSync(join(webDist, 'index.html')) ? webDist : null,
    kubeconfigPath: env['SHIPGATE_KUBECONFIG'] || undefined,
    compose: { dockerHost: env['DOCKER_HOST'] || 'unix:///var/run/docker.sock', pull: pull as Config['compose']['pull'] },
  });
}
