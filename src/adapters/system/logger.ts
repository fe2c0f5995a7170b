import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { MASK, redactDeep } from '../../core/secrets/secret-masking.js';

/** Paths never written to a log: credentials, tokens and specs (which may carry secrets). */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.token',
  '*.previewToken',
  '*.adminToken',
  'auditKey',
  '*.auditKey',
  '*.password',
  '*.spec',
  '*.renderedSpec',
  '*.parameters',
];

/** Query parameters that carry a credential (an OAuth code, state, tokens): their values never reach a log. */
const CREDENTIAL_QUERY = /([?&](?:code|state|nonce|id_token|access_token|refresh_token|token|session_state)=)[^&#\s]*/gi;

/** A URL as it may be logged: the values of credential query parameters masked. */
function loggableUrl(url: string): string {
  return url.replace(CREDENTIAL_QUERY, `$1${MASK}`);
}

/** A request as the HTTP server logs it (the fields Fastify's own serializer writes), its URL made loggable. */
function requestSerializer(req: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  headers?: Record<string, unknown>;
  socket?: { remotePort?: number };
}): Record<string, unknown> {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? loggableUrl(req.url) : req.url,
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** Errors as pino's standard serializer writes them, so that their message and stack are masked too. */
function withSerializedErrors(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) out[k] = v instanceof Error ? stdSerializers.err(v) : v;
  return out;
}

/** The HTTP request a piece of work runs for: every line logged meanwhile, by any layer, names it (`reqId`). */
export const requestScope = new AsyncLocalStorage<{ reqId: string }>();

/** Binds what `work` sets off to the request `reqId` (the callback of a Fastify hook, called within its scope). */
export function inRequestScope(reqId: string, work: () => void): void {
  requestScope.run({ reqId }, work);
}

/**
 * The one structured logger; every line passes through the same redaction: credential paths censored, and URL
 * passwords (`scheme://user:********@host`) masked in every field and message, and a request's credential query
 * parameters (the OAuth `code` and `state` of a sign-in callback) masked in its logged URL.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: MASK },
      serializers: { req: requestSerializer },
      // The HTTP layer's lines carry reqId already; the use cases' lines get it from the request they run for.
      mixin: (_merge, _level, logger) => {
        const scope = requestScope.getStore();
        return scope && !('reqId' in logger.bindings()) ? { reqId: scope.reqId } : {};
      },
      formatters: { log: (object) => redactDeep(withSerializedErrors(object), []) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactDeep(arg, []) : arg)) as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}
