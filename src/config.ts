import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sqliteFileOf } from './adapters/storage/database.js';
import { AUDIT_KEY_MIN_LENGTH } from './adapters/system/audit-keyring.js';
import { REQUEST_LIMITS } from './adapters/http/plugins/request-limits.plugin.js';
import { STREAM_LIMITS, type StreamLimits } from './adapters/http/release-stream.js';
import { MIN_ADMIN_TOKEN_LENGTH } from './core/access/access.js';
import { isLoopbackHttp, type OpenIdClientOptions } from './adapters/identity/openid-client-provider.js';

/** Shipgate's configuration, read once from the environment. */
export interface Config {
  host: string;
  port: number;
  databaseUrl: string;
  /** Shipgate's own files (the generated audit key): the SQLite file's folder, else SHIPGATE_DATA_DIR (default ./data). */
  dataDir: string;
  /** SHIPGATE_AUDIT_KEY, the secret of the audit chain and its checkpoints; unset: `<dataDir>/audit.key`. Never logged. */
  auditKey: string | null;
  adminToken: string | null;
  logLevel: string;
  bodyLimitBytes: number;
  /** Requests per minute one token may make; 0 turns every request limit off. */
  rateLimitPerMinute: number;
  /** Missing or failed authentications per minute one client address may cause before it is refused without a token lookup. */
  authFailuresPerMinute: number;
  /** Bounds of the release streams (Server-Sent Events). */
  streams: StreamLimits;
  /** Name of this process in execution leases. */
  instanceId: string;
  leaseMs: number;
  /** How many releases this process applies at once (each to a different application or environment). */
  executorConcurrency: number;
  /** On SIGTERM, how long the releases under way may take to finish before they are interrupted, in seconds. */
  shutdownGraceSeconds: number;
  /** How often every environment is checked for drift, in seconds; 0 turns the background check off. */
  driftIntervalSeconds: number;
  /** The runtimes this server drives. */
  runtimes: ReadonlyArray<'compose' | 'kubernetes'>;
  compose: { dockerHost: string; pull: 'missing' | 'always' | 'never' };
  /** The kubeconfig file for the Kubernetes runtime; unset: the default kubeconfig, else in-cluster config. */
  kubeconfigPath: string | undefined;
  /** An OpenAI-compatible model for the command center; without it the embedded parser is used. */
  ai: { baseUrl: string; model: string; apiKey: string } | null;
  /** The built web UI, when present. */
  webRoot: string | null;
  /** SHIPGATE_PUBLIC_URL: where people reach the web UI, for the links in webhook messages (no trailing slash). */
  publicUrl: string;
  /** SHIPGATE_WEBHOOK_ALLOW_PRIVATE=1: webhooks may be sent to loopback and private addresses. */
  webhookAllowPrivate: boolean;
  /** OpenID Connect sign-in (SHIPGATE_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET, optional _NAME and _SCOPES); null when unset. */
  oidc: OpenIdClientOptions | null;
  /** SHIPGATE_TRUSTED_ISSUERS: the issuers whose bearer JWTs (CI workload identity) are accepted, each for its audience. */
  trustedIssuers: ReadonlyArray<{ issuer: string; audience: string }>;
  /** SHIPGATE_METRICS_TOKEN: the bearer token `GET /metrics` asks for; null: `/metrics` is open. Never logged. */
  metricsToken: string | null;
}

/** An issuer URL: https, or http on this machine only (a test provider); no credentials, query or fragment. */
function issuerUrlOf(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name}: "${raw}" is not an absolute URL`);
  }
  if (!(url.protocol === 'https:' || isLoopbackHttp(url)) || url.username || url.password || url.search || url.hash) {
    throw new Error(`${name}: an issuer must be an https URL without credentials, query or fragment, got "${raw}"`);
  }
  return raw;
}

function oidcOf(env: NodeJS.ProcessEnv, publicUrl: string): OpenIdClientOptions | null {
  const issuer = env['SHIPGATE_OIDC_ISSUER'];
  if (!issuer) return null;
  const clientId = env['SHIPGATE_OIDC_CLIENT_ID'];
  const clientSecret = env['SHIPGATE_OIDC_CLIENT_SECRET'];
  if (!clientId || !clientSecret) throw new Error('SHIPGATE_OIDC_ISSUER needs SHIPGATE_OIDC_CLIENT_ID and SHIPGATE_OIDC_CLIENT_SECRET');
  const name = (env['SHIPGATE_OIDC_NAME'] ?? '').trim();
  return {
    issuer: issuerUrlOf('SHIPGATE_OIDC_ISSUER', issuer),
    clientId,
    clientSecret,
    name: name === '' ? new URL(issuer).host : name.slice(0, 60),
    scopes: (env['SHIPGATE_OIDC_SCOPES'] ?? '').trim() || 'openid profile email',
    redirectUri: `${publicUrl}/auth/callback`,
  };
}

/** SHIPGATE_TRUSTED_ISSUERS: a JSON list of `{ issuer, audience }`; unset: none. */
function trustedIssuersOf(env: NodeJS.ProcessEnv): Array<{ issuer: string; audience: string }> {
  const raw = env['SHIPGATE_TRUSTED_ISSUERS'];
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('SHIPGATE_TRUSTED_ISSUERS must be a JSON list of { "issuer": "https://…", "audience": "…" }');
  }
  if (!Array.isArray(parsed)) throw new Error('SHIPGATE_TRUSTED_ISSUERS must be a JSON list');
  return parsed.map((entry: unknown, i) => {
    const { issuer, audience, ...rest } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof issuer !== 'string' || typeof audience !== 'string' || audience === '' || Object.keys(rest).length > 0) {
      throw new Error(`SHIPGATE_TRUSTED_ISSUERS[${i}] must be { "issuer": "https://…", "audience": "…" } and nothing else`);
    }
    return { issuer: issuerUrlOf(`SHIPGATE_TRUSTED_ISSUERS[${i}].issuer`, issuer), audience };
  });
}

/** The background drift check: every 5 minutes by default, at most daily; 0 turns it off. */
const DRIFT_INTERVAL_SECONDS = { default: 300, min: 0, max: 86_400 };
const SHUTDOWN_GRACE_SECONDS = { default: 20, min: 0, max: 3_600 };
/** How many releases one process applies at once: mostly waiting on the runtime, so more than the cores. */
const EXECUTOR_CONCURRENCY = { default: 8, min: 1, max: 256 };

/** An integer setting within [min, max], or its default when unset; anything else refuses to start. */
function boundedInt(env: NodeJS.ProcessEnv, name: string, bounds: { default: number; min: number; max: number }): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return bounds.default;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    throw new Error(`${name} must be an integer from ${bounds.min} to ${bounds.max}, got "${raw}"`);
  }
  return value;
}

/** The bootstrap admin token, refused when short enough to guess. */
function adminTokenOf(env: NodeJS.ProcessEnv): string | null {
  const token = env['SHIPGATE_ADMIN_TOKEN'] || null;
  if (token !== null && token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new Error(
      `SHIPGATE_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters long (it grants every permission); got ${token.length}`,
    );
  }
  return token;
}

/** The shortest metrics token accepted: `/metrics` is not rate-limited, so its token must be too long to guess. */
const MIN_METRICS_TOKEN_LENGTH = 24;

/** SHIPGATE_METRICS_TOKEN, refused when short enough to guess; unset or empty: none. */
function metricsTokenOf(env: NodeJS.ProcessEnv): string | null {
  const token = env['SHIPGATE_METRICS_TOKEN'] || null;
  if (token !== null && (token.length < MIN_METRICS_TOKEN_LENGTH || /\s/.test(token))) {
    throw new Error(
      `SHIPGATE_METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters long, without spaces (e.g. openssl rand -hex 24)`,
    );
  }
  return token;
}

/** SHIPGATE_PUBLIC_URL, an http(s) URL without a trailing slash; unset: where the server listens. */
function publicUrlOf(env: NodeJS.ProcessEnv, host: string, port: number): string {
  const raw = env['SHIPGATE_PUBLIC_URL'];
  if (raw === undefined || raw.trim() === '') return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`SHIPGATE_PUBLIC_URL must be an absolute http(s) URL, got "${raw}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) {
    throw new Error(`SHIPGATE_PUBLIC_URL must be an http(s) URL without credentials, query or fragment, got "${url.origin}"`);
  }
  return url.href.replace(/\/+$/, '');
}

/** A yes/no setting: `1`/`true` or `0`/`false` (unset: no). */
function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new Error(`${name} must be 1 or 0, got "${env[name]}"`);
}

/** Reads the configuration from environment variables, with the embedded defaults. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const port = Number.parseInt(env['PORT'] ?? '8080', 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env['PORT']}"`);
  // The web UI next to the package (src/ in a checkout, dist/ once built), wherever it is started from.
  const webDist = env['SHIPGATE_WEB_ROOT'] ?? fileURLToPath(new URL('../web/dist', import.meta.url));
  const runtimes = (env['SHIPGATE_RUNTIMES'] ?? 'compose')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of runtimes) if (r !== 'compose' && r !== 'kubernetes') throw new Error(`SHIPGATE_RUNTIMES: unknown runtime "${r}"`);
  const pull = env['SHIPGATE_COMPOSE_PULL'] ?? 'missing';
  if (pull !== 'missing' && pull !== 'always' && pull !== 'never')
    throw new Error(`SHIPGATE_COMPOSE_PULL must be missing, always or never`);
  const databaseUrl = env['SHIPGATE_DATABASE_URL'] ?? `sqlite:${join(process.cwd(), 'data', 'shipgate.db')}`;
  const sqliteFile = sqliteFileOf(databaseUrl);
  const auditKey = env['SHIPGATE_AUDIT_KEY'] || null;
  if (auditKey !== null && auditKey.length < AUDIT_KEY_MIN_LENGTH)
    throw new Error(`SHIPGATE_AUDIT_KEY must have at least ${AUDIT_KEY_MIN_LENGTH} characters (e.g. openssl rand -hex 32)`);
  const host = env['HOST'] ?? '127.0.0.1';
  const publicUrl = publicUrlOf(env, host, port);
  return Object.freeze<Config>({
    host,
    port,
    databaseUrl,
    dataDir: resolve(sqliteFile !== null ? dirname(sqliteFile) : (env['SHIPGATE_DATA_DIR'] ?? 'data')),
    auditKey,
    adminToken: adminTokenOf(env),
    logLevel: env['LOG_LEVEL'] ?? 'info',
    bodyLimitBytes: Number.parseInt(env['SHIPGATE_BODY_LIMIT_BYTES'] ?? String(1024 * 1024), 10),
    rateLimitPerMinute: boundedInt(env, 'SHIPGATE_RATE_LIMIT_PER_MINUTE', REQUEST_LIMITS.perTokenPerMinute),
    authFailuresPerMinute: boundedInt(env, 'SHIPGATE_AUTH_FAILURES_PER_MINUTE', REQUEST_LIMITS.authFailuresPerMinute),
    streams: {
      maxSeconds: boundedInt(env, 'SHIPGATE_STREAM_MAX_SECONDS', STREAM_LIMITS.maxSeconds),
      maxPerToken: boundedInt(env, 'SHIPGATE_STREAM_MAX_PER_TOKEN', STREAM_LIMITS.maxPerToken),
      maxTotal: boundedInt(env, 'SHIPGATE_STREAM_MAX_TOTAL', STREAM_LIMITS.maxTotal),
    },
    instanceId: env['SHIPGATE_INSTANCE_ID'] ?? `${process.pid}@${env['HOSTNAME'] ?? 'shipgate'}`,
    leaseMs: Number.parseInt(env['SHIPGATE_LEASE_MS'] ?? '30000', 10),
    executorConcurrency: boundedInt(env, 'SHIPGATE_EXECUTOR_CONCURRENCY', EXECUTOR_CONCURRENCY),
    shutdownGraceSeconds: boundedInt(env, 'SHIPGATE_SHUTDOWN_GRACE_SECONDS', SHUTDOWN_GRACE_SECONDS),
    driftIntervalSeconds: boundedInt(env, 'SHIPGATE_DRIFT_INTERVAL_SECONDS', DRIFT_INTERVAL_SECONDS),
    runtimes: runtimes as Config['runtimes'],
    ai: env['SHIPGATE_AI_BASE_URL']
      ? { baseUrl: env['SHIPGATE_AI_BASE_URL'], model: env['SHIPGATE_AI_MODEL'] ?? 'gpt-4o-mini', apiKey: env['SHIPGATE_AI_API_KEY'] ?? '' }
      : null,
    webRoot: existsSync(join(webDist, 'index.html')) ? webDist : null,
    kubeconfigPath: env['SHIPGATE_KUBECONFIG'] || undefined,
    compose: { dockerHost: env['DOCKER_HOST'] || 'unix:///var/run/docker.sock', pull },
    publicUrl,
    webhookAllowPrivate: flag(env, 'SHIPGATE_WEBHOOK_ALLOW_PRIVATE'),
    oidc: oidcOf(env, publicUrl),
    trustedIssuers: trustedIssuersOf(env),
    metricsToken: metricsTokenOf(env),
  });
}
