import { pino, type DestinationStream, type Logger } from 'pino';
import { MASK } from '../../core/secrets/secret-masking.js';

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

/** The one structured logger; every line passes through the same redaction. */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino({ level: options.level ?? 'info', redact: { paths: REDACTED_PATHS, censor: MASK } }, options.destination);
}
