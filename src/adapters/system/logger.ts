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

/** Errors as pino's standard serializer writes them, so that their message and stack are masked too. */
function withSerializedErrors(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) out[k] = v instanceof Error ? stdSerializers.err(v) : v;
  return out;
}

/**
 * The one structured logger; every line passes through the same redaction: credential paths censored, and URL
 * passwords (`scheme://user:********@host`) masked in every field and message.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: MASK },
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
