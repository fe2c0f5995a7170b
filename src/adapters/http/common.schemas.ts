import { Type, type TSchema } from 'typebox';
import { DNS_LABEL } from '../../core/names.js';

// Schemas every route shares: ids, names, problem+json, the policy verdict. Every object is closed
// (additionalProperties: false); the OpenAPI document is generated from the route schemas.

export const closed = { additionalProperties: false } as const;

/** True when two types are the same (not merely assignable one way): an API schema checked against its core type. */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export const literals = <const T extends readonly string[]>(values: T) => Type.Enum<[...T]>(values as unknown as [...T]);

export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

export const Uuid = Type.String({ pattern: UUID_PATTERN, description: 'A UUID' });

export const DateTime = Type.String({ format: 'date-time' });

export const Name = Type.String({ minLength: 1, maxLength: DNS_LABEL.maxLength, pattern: DNS_LABEL.pattern });

export const StringMap = Type.Record(Type.String(), Type.String());

export const FreeObject = Type.Object({}, { additionalProperties: true });

export const PolicyViolation = Type.Object({
  ruleId: Type.String(),
  severity: literals(['deny', 'warn'] as const),
  message: Type.String(),
  resource: Type.Object({ kind: Type.String(), name: Type.String() }),
  path: Type.String(),
});

export const PolicyResult = Type.Object({ passed: Type.Boolean(), violations: Type.Array(PolicyViolation) });

export const IdParams = Type.Object({ id: Uuid }, closed);

export const NameParams = Type.Object({ name: Name }, closed);

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    reason: Type.Optional(Type.String()),
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    state: Type.Optional(Type.String()),
    conversationId: Type.Optional(Type.String({ description: 'The command-center conversation the refusal belongs to' })),
    violations: Type.Optional(Type.Array(PolicyViolation, { description: 'With POLICY_DENIED: the deny violations' })),
  },
  { description: 'RFC 9457 problem details' },
);

/** Problem responses for the given statuses, and 429: every `/api/v1` route is rate-limited. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of [...statuses, 429]) out[s] = Problem;
  return out;
}
