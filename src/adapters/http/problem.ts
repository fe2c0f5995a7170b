import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ShipgateError, type ErrorCode, type FieldError } from '../../core/errors.js';
import type { PolicyViolation } from '../../core/policy/policy.js';

/** HTTP status of each error code: the one place where domain errors meet HTTP. */
export const STATUS_OF: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  SELF_APPROVAL_FORBIDDEN: 403,
  CSRF_REQUIRED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  TARGET_IN_USE: 409,
  INVALID_STATE: 409,
  APPROVAL_REQUIRED: 409,
  ALREADY_DECIDED: 409,
  FROZEN: 409,
  PROMOTION_REQUIRED: 409,
  PAYLOAD_TOO_LARGE: 413,
  POLICY_DENIED: 422,
  PREVIEW_REQUIRED: 428,
  RATE_LIMITED: 429,
  RUNTIME_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** Fields of error metadata a client may see (metadata never holds secrets, and these are plain facts). */
const PUBLIC_METADATA = ['reason', 'errors', 'state', 'conversationId', 'violations'] as const;

/** An RFC 9457 body. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  reason?: string;
  errors?: FieldError[];
  state?: string;
  conversationId?: string;
  violations?: PolicyViolation[];
}

export function problemOf(error: ShipgateError, requestId: string): ProblemBody {
  const body: ProblemBody = {
    type: `https://shipgate.dev/problems/${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: error.title,
    status: STATUS_OF[error.code],
    detail: error.detail,
    code: error.code,
    requestId,
  };
  for (const key of PUBLIC_METADATA) {
    const value = error.metadata[key];
    if (value !== undefined && value !== null) (body as unknown as Record<string, unknown>)[key] = value;
  }
  return body;
}

/** Turns any error into a ShipgateError: framework errors by their code, anything unknown into `INTERNAL`. */
export function toShipgateError(error: FastifyError | Error): ShipgateError {
  if (error instanceof ShipgateError) return error;
  const fe = error as FastifyError;
  if (fe.validation) {
    const errors: FieldError[] = fe.validation.map((v) => {
      const missing = (v.params as { missingProperty?: string; additionalProperty?: string } | undefined) ?? {};
      const base = `${fe.validationContext ? `/${fe.validationContext}` : ''}${v.instancePath}`;
      if (missing.missingProperty) return { path: `${base}/${missing.missingProperty}`, message: 'is required' };
      if (missing.additionalProperty) return { path: `${base}/${missing.additionalProperty}`, message: 'is not an allowed field' };
      return { path: base || '/', message: v.message ?? 'is invalid' };
    });
    return new ShipgateError('VALIDATION_FAILED', errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors: dedupe(errors) });
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ShipgateError('PAYLOAD_TOO_LARGE', 'the request body is larger than this server accepts');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ShipgateError('VALIDATION_FAILED', 'the request body is not valid JSON', {
        errors: [{ path: '/body', message: 'is not valid JSON' }],
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ShipgateError('VALIDATION_FAILED', fe.message, { errors: [{ path: '/body', message: fe.message }] });
    default:
      break;
  }
  if (error instanceof SyntaxError) {
    return new ShipgateError('VALIDATION_FAILED', 'the request body is not valid JSON', {
      errors: [{ path: '/body', message: 'is not valid JSON' }],
    });
  }
  if (typeof fe.statusCode === 'number') {
    if (fe.statusCode === 429) return new ShipgateError('RATE_LIMITED', fe.message);
    if (fe.statusCode === 413) return new ShipgateError('PAYLOAD_TOO_LARGE', fe.message);
    if (fe.statusCode >= 400 && fe.statusCode < 500)
      return new ShipgateError('VALIDATION_FAILED', fe.message, { errors: [{ path: '/', message: fe.message }] });
  }
  return new ShipgateError('INTERNAL', 'an unexpected error occurred; it was logged with this requestId');
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Sends an error as `application/problem+json`. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: FastifyError | Error): FastifyReply {
  const sg = toShipgateError(error);
  if (sg.code === 'INTERNAL') request.log.error({ err: error }, 'unhandled error');
  const body = problemOf(sg, String(request.id));
  if (sg.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer realm="shipgate"');
  return reply.code(body.status).type('application/problem+json').serializer(JSON.stringify).send(body);
}
