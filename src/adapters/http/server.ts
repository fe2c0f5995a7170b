import type { RateCounter } from '../../ports/rate-counter.js';
import { inRequestScope } from '../system/logger.js';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import rateLimit from '@fastify/rate-limit';
import type { Logger } from 'pino';
import type { Shipgate } from '../../app/shipgate.js';
import { ERROR_CODES, ShipgateError } from '../../core/errors.js';
import { registerAuth } from './plugins/auth.plugin.js';
import { registerRequestLimits, REQUEST_LIMITS } from './plugins/request-limits.plugin.js';
import { ReleaseStreams, type StreamLimits } from './release-stream.js';
import { sendProblem } from './problem.js';
import type { CommandCenter } from '../ai/command-center.js';
import { accessRoutes } from './routes/access.routes.js';
import { aiRoutes } from './routes/ai.routes.js';
import { approvalsRoutes } from './routes/approvals.routes.js';
import { auditRoutes } from './routes/audit.routes.js';
import { environmentsRoutes } from './routes/environments.routes.js';
import { insightsRoutes } from './routes/insights.routes.js';
import { metricsRoutes } from './routes/metrics.routes.js';
import type { PrometheusMetrics } from '../metrics/prometheus-metrics.js';
import { releasesRoutes } from './routes/releases.routes.js';
import { webhooksRoutes } from './routes/webhooks.routes.js';
import { signInRoutes } from './routes/sign-in.routes.js';

/** Sign-in requests (`/auth/*`) one address may make per minute. */
const SIGN_IN_REQUESTS_PER_MINUTE = 60;

export interface ServerOptions {
  shipgate: Shipgate;
  logger: Logger;
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
  /** The AI command center, when enabled. */
  commandCenter?: CommandCenter | null;
  /** The built web UI (`web/dist`), served at `/` with a single-page-app fallback. */
  webRoot?: string | null;
  /** Requests per minute one token may make to `/api/v1`; 0 turns every request limit off. */
  rateLimitPerMinute?: number;
  /** Missing or failed authentications per minute one client address may cause before it is refused without a token lookup. */
  authFailuresPerMinute?: number;
  /** Bounds of the release streams (lifetime, open streams per token and in all). */
  streams?: Partial<StreamLimits>;
  version?: string;
  /** SHIPGATE_PUBLIC_URL: on https, the session cookie is `Secure`. */
  publicUrl?: string;
  /** Rate-limit windows shared with the other processes of the store (PostgreSQL); default: counted in memory. */
  rateCounter?: RateCounter;
  /** The metrics served at `GET /metrics`, every request's duration observed in them; without them, no `/metrics`. */
  metrics?: PrometheusMetrics | null;
  /** SHIPGATE_METRICS_TOKEN: the bearer token `/metrics` asks for; unset: `/metrics` is open, like `/healthz`. */
  metricsToken?: string | null;
}

/** What a forwarded request id may look like: one token of letters, digits and `._:-`, at most 128 characters. */
const FORWARDED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function forwardedRequestId(header: string | string[] | undefined): string | null {
  return typeof header === 'string' && FORWARDED_REQUEST_ID.test(header) ? header : null;
}

/**
 * Builds the HTTP server: `/api/v1` (authenticated), its OpenAPI document, and the health probes.
 * @example const app = await buildServer({ shipgate, logger }); await app.listen({ port: 8080 })
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { shipgate } = options;
  // pino's Logger is a FastifyBaseLogger; naming the type keeps the instance the plain FastifyInstance routes expect.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    forceCloseConnections: true,
    // The HTTP layer's own ids: a request id names a request, not anything of the domain. A proxy's X-Request-Id
    // (ingress-nginx, Envoy) is kept when it is one well-formed token, so its logs and ours name the request alike.
    genReqId: (req) => forwardedRequestId(req.headers['x-request-id']) ?? randomUUID(),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
  });

  // JSON bodies: the framework's parser (prototype-poisoning safe), plus: NUL characters are refused up front (no
  // store can keep them), and an empty body counts as none.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    if (text.includes('\\u0000')) {
      return done(
        new ShipgateError('VALIDATION_FAILED', 'NUL characters are not accepted', {
          errors: [{ path: '/body', message: 'contains a NUL character' }],
        }),
        undefined,
      );
    }
    return parseJson(request, text, done);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => sendProblem(request, reply, error));
  // Whatever a request sets off logs with its id, the use cases' lines too. Entered again once the body is read: the
  // body parser's stream events run outside the scope the request started in.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    inRequestScope(String(request.id), done);
  });
  app.addHook('preValidation', (request, _reply, done) => inRequestScope(String(request.id), done));
  const metrics = options.metrics ?? null;
  if (metrics) {
    // Added before any route, so that every route (and the not-found answer) is timed, labelled by its pattern.
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? null;
      metrics.observeRequest({ method: request.method, route, status: reply.statusCode, seconds: reply.elapsedTime / 1000 });
    });
  }
  // The validator coerces a query's "1e400" to Infinity and then skips the bounds: no handler gets a non-finite number.
  app.addHook('preHandler', async (request) => {
    for (const [key, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
      if ([value].flat().some((v) => typeof v === 'number' && !Number.isFinite(v))) {
        const path = `/querystring/${key}`;
        throw new ShipgateError('VALIDATION_FAILED', `${path} must be a finite number`, {
          errors: [{ path, message: 'must be a finite number' }],
        });
      }
    }
  });
  const webRoot = options.webRoot ?? null;
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    // The web UI's own routes (/releases/…, /approvals) load its index page; the API never falls back.
    if (webRoot && request.method === 'GET' && !path.startsWith('/api/') && !path.includes('.')) {
      return reply.type('text/html').sendFile('index.html');
    }
    return sendProblem(request, reply, new ShipgateError('NOT_FOUND', `no route ${request.method} ${path}`));
  });
  if (webRoot) await app.register(fastifyStatic, { root: webRoot, prefix: '/', wildcard: false, index: ['index.html'] });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Shipgate API',
        version: options.version ?? '1.0.0',
        description:
          'Release governance for Kubernetes and Docker Compose: draft, preview, approve, apply, observe, roll back. ' +
          `Errors are RFC 9457 problem+json with a stable code: ${Object.keys(ERROR_CODES).join(', ')}.`,
      },
      servers: [{ url: '/' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const readiness = await shipgate.readiness();
    const ready = readiness.store && Object.values(readiness.runtimes).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', ...readiness });
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  if (metrics) await app.register(metricsRoutes, { shipgate, metrics, token: options.metricsToken ?? null });

  await app.register(async (auth) => {
    // Unauthenticated, and a sign-in writes a row: each address may start or finish one so often, not more.
    if ((options.rateLimitPerMinute ?? REQUEST_LIMITS.perTokenPerMinute.default) > 0) {
      await auth.register(rateLimit, {
        max: SIGN_IN_REQUESTS_PER_MINUTE,
        timeWindow: 60_000,
        errorResponseBuilder: (_request, context) =>
          new ShipgateError('RATE_LIMITED', `too many sign-in requests from this address; retry in ${Math.ceil(context.ttl / 1000)} s`),
      });
    }
    await auth.register(signInRoutes, { shipgate, secureCookies: (options.publicUrl ?? '').startsWith('https:') });
  });

  const streams = new ReleaseStreams(shipgate, options.streams);
  // A stopping server says goodbye on each stream, with a reconnect hint, before its connections are closed.
  app.addHook('preClose', async () => streams.shutdown());
  await app.register(
    async (api) => {
      const limits = await registerRequestLimits(api, {
        perTokenPerMinute: options.rateLimitPerMinute ?? REQUEST_LIMITS.perTokenPerMinute.default,
        authFailuresPerMinute: options.authFailuresPerMinute ?? REQUEST_LIMITS.authFailuresPerMinute.default,
        ...(options.rateCounter ? { counter: options.rateCounter } : {}),
      });
      registerAuth(api, shipgate, limits);
      await api.register(releasesRoutes, { shipgate, streams });
      await api.register(approvalsRoutes, { shipgate });
      await api.register(environmentsRoutes, { shipgate });
      await api.register(accessRoutes, { shipgate });
      await api.register(auditRoutes, { shipgate });
      await api.register(webhooksRoutes, { shipgate });
      await api.register(insightsRoutes, { shipgate });
      if (options.commandCenter) await api.register(aiRoutes, { commandCenter: options.commandCenter });
    },
    { prefix: '/api/v1' },
  );
  return app;
}
