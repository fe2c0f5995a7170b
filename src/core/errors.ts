/**
 * The one registry of Shipgate's stable, machine-readable error codes.
 * Domain errors know nothing of HTTP: the HTTP adapter maps each code to a status.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: 'The request does not match the schema',
  UNAUTHENTICATED: 'Authentication required',
  FORBIDDEN: 'Permission denied',
  SELF_APPROVAL_FORBIDDEN: 'Self-approval is not allowed',
  CSRF_REQUIRED: 'A signed-in browser must send its x-shipgate-csrf value with every change',
  NOT_FOUND: 'Resource not found',
  ALREADY_EXISTS: 'Resource already exists',
  TARGET_IN_USE: "The runtime target overlaps another environment's",
  INVALID_STATE: 'The release state does not allow this operation',
  APPROVAL_REQUIRED: 'Approval required',
  ALREADY_DECIDED: 'Already decided',
  FROZEN: 'Environment is frozen',
  PREVIEW_REQUIRED: 'A valid preview is required',
  PROMOTION_REQUIRED: 'The environment takes only promotions that soaked upstream',
  POLICY_DENIED: "The release violates the environment's runtime policy",
  PAYLOAD_TOO_LARGE: 'Request body too large',
  RATE_LIMITED: 'Too many requests',
  RUNTIME_UNAVAILABLE: 'Runtime unavailable',
  INTERNAL: 'Internal error',
} as const;

/** A stable error code from {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Why a preview token was refused; the `reason` of a `PREVIEW_REQUIRED` error. */
export type PreviewReason =
  | 'PREVIEW_MISSING'
  | 'PREVIEW_INVALID'
  | 'PREVIEW_EXPIRED'
  | 'PREVIEW_MISMATCH'
  | 'PREVIEW_CONSUMED'
  | 'PREVIEW_STALE';

/** One field-level problem of a `VALIDATION_FAILED` error. */
export interface FieldError {
  path: string;
  message: string;
}

/** Extra facts carried by an error. Never holds secrets. */
export interface ErrorMetadata {
  reason?: string;
  errors?: FieldError[];
  [key: string]: unknown;
}

/**
 * The error every layer throws for an expected failure.
 * @example throw new ShipgateError('INVALID_STATE', 'release is in state "succeeded"')
 */
export class ShipgateError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly metadata: ErrorMetadata;

  constructor(code: ErrorCode, detail: string, metadata: ErrorMetadata = {}) {
    super(`${code}: ${detail}`);
    this.name = 'ShipgateError';
    this.code = code;
    this.detail = detail;
    this.metadata = metadata;
  }

  /** The code's fixed title. */
  get title(): string {
    return ERROR_CODES[this.code];
  }
}

/** Builds a `PREVIEW_REQUIRED` error with its reason. */
export function previewRequired(reason: PreviewReason, detail: string): ShipgateError {
  return new ShipgateError('PREVIEW_REQUIRED', detail, { reason });
}

/** True when `error` is a {@link ShipgateError}, optionally with the given code. */
export function isShipgateError(error: unknown, code?: ErrorCode): error is ShipgateError {
  return error instanceof ShipgateError && (code === undefined || error.code === code);
}

/** What went wrong, in words: a ShipgateError's detail, another error's message. */
export function detailOf(error: unknown): string {
  if (isShipgateError(error)) return error.detail;
  return error instanceof Error ? error.message : String(error);
}
