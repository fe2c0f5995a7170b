import { Type, type TSchema } from 'typebox';
import { ROLES } from '../../core/access/access.js';
import { COMPOSE_PROJECT, DNS_LABEL, MAX_PARAMETER_VALUE_LENGTH, PARAMETER_NAME } from '../../core/names.js';
import { POLICY_PROFILES } from '../../core/policy/policy.js';
import { AUDIT_PUBLIC_KEY_PATTERN, CHECKPOINT_SIGNATURE_PATTERN } from '../../core/audit/audit-checkpoint.js';
import { CHAIN_FAILURES, CHAIN_HASH_PATTERN, TIMELINE_EVENT_TYPES } from '../../core/audit/timeline-event.js';
import { APPROVAL_STATUSES, CHANNELS, EXECUTION_STAGES, RELEASE_STATES, RUNTIMES } from '../../core/release/release.js';

// Schemas of the HTTP API. Every object is closed (additionalProperties: false); the OpenAPI document is generated from these.

const closed = { additionalProperties: false } as const;
const literals = <const T extends readonly string[]>(values: T) => Type.Enum<[...T]>(values as unknown as [...T]);

export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const Uuid = Type.String({ pattern: UUID_PATTERN, description: 'A UUID' });
const DateTime = Type.String({ format: 'date-time' });
const Name = Type.String({ minLength: 1, maxLength: DNS_LABEL.maxLength, pattern: DNS_LABEL.pattern });
const StringMap = Type.Record(Type.String(), Type.String());
const FreeObject = Type.Object({}, { additionalProperties: true });

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

export const Spec = Type.Union([
  Type.Object({ manifests: Type.String({ minLength: 1, description: 'Kubernetes manifests (multi-document YAML)' }) }, closed),
  Type.Object({ compose: Type.String({ minLength: 1, description: 'A Compose file (YAML)' }) }, closed),
]);

const Parameters = Type.Record(Type.String({ pattern: PARAMETER_NAME.pattern, maxLength: PARAMETER_NAME.maxLength }), Type.String({ maxLength: MAX_PARAMETER_VALUE_LENGTH }), {
  description: 'Values substituted for ${NAME} in the spec',
});

export const Decision = Type.Object({
  approver: Type.String(),
  decision: literals(['approve', 'reject'] as const),
  comment: Type.String(),
  at: DateTime,
});

export const Release = Type.Object({
  id: Uuid,
  application: Type.String(),
  environment: Type.String(),
  runtime: literals(RUNTIMES),
  kind: literals(['deploy', 'rollback'] as const),
  rollbackOf: Type.Union([Uuid, Type.Null()]),
  rollbackTo: Type.Union([Uuid, Type.Null()]),
  state: literals(RELEASE_STATES),
  approval: Type.Object({
    status: literals(APPROVAL_STATUSES),
    ticketId: Type.Union([Uuid, Type.Null()]),
    minApprovers: Type.Integer(),
    decisions: Type.Array(Decision),
  }),
  execution: Type.Object({
    stage: literals(EXECUTION_STAGES),
    attempt: Type.Integer(),
    startedAt: Type.Union([DateTime, Type.Null()]),
    finishedAt: Type.Union([DateTime, Type.Null()]),
    message: Type.Union([Type.String(), Type.Null()]),
  }),
  preview: Type.Union([
    Type.Object({ id: Uuid, draftRevision: Type.Integer(), expiresAt: DateTime, consumed: Type.Boolean() }),
    Type.Null(),
  ]),
  draftRevision: Type.Integer(),
  draftDigest: Type.String(),
  parameters: StringMap,
  description: Type.Union([Type.String(), Type.Null()]),
  channel: literals(CHANNELS),
  conversationId: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const CreateReleaseBody = Type.Object(
  {
    application: Type.String({ minLength: 1, maxLength: 63 }),
    environment: Type.String({ minLength: 1, maxLength: 63 }),
    spec: Type.Optional(Spec),
    fromReleaseId: Type.Optional(Uuid),
    parameters: Type.Optional(Parameters),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    channel: Type.Optional(literals(['ui', 'api', 'cli'] as const)),
  },
  closed,
);

export const EditReleaseBody = Type.Object(
  {
    spec: Type.Optional(Spec),
    parameters: Type.Optional(Parameters),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { ...closed, minProperties: 1 },
);

export const Change = Type.Object({
  action: literals(['create', 'update', 'delete', 'unchanged'] as const),
  kind: Type.String(),
  name: Type.String(),
  diff: Type.String(),
});

export const Summary = Type.Object({ create: Type.Integer(), update: Type.Integer(), delete: Type.Integer(), unchanged: Type.Integer() });

export const PreviewResponse = Type.Object({
  preview: Type.Object({
    id: Uuid,
    token: Type.String({ description: 'Single-use; pass it to submit and apply. Shown only here.' }),
    releaseId: Uuid,
    draftRevision: Type.Integer(),
    draftDigest: Type.String(),
    liveDigest: Type.String(),
    createdAt: DateTime,
    expiresAt: DateTime,
    summary: Summary,
    changes: Type.Array(Change),
    policy: PolicyResult,
  }),
});

const PreviewToken = Type.String({ maxLength: 200 });

const PolicyOverride = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
  { ...closed, description: "Admins only: go ahead despite the runtime policy's deny violations; the reason is recorded" },
);

export const SubmitBody = Type.Object({ previewToken: Type.Optional(PreviewToken), policyOverride: Type.Optional(PolicyOverride) }, closed);
export const ApplyBody = Type.Object(
  {
    previewToken: Type.Optional(PreviewToken),
    policyOverride: Type.Optional(PolicyOverride),
    freezeOverride: Type.Optional(
      Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { ...closed, description: 'Admins only: apply inside a freeze window' }),
    ),
  },
  closed,
);
export const RollbackBody = Type.Object({ toReleaseId: Type.Optional(Uuid) }, closed);

export const ListReleasesQuery = Type.Object(
  {
    environment: Type.Optional(Name),
    application: Type.Optional(Name),
    state: Type.Optional(literals(RELEASE_STATES)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ pattern: UUID_PATTERN, description: 'nextCursor of the previous page' })),
  },
  closed,
);

export const ReleaseList = Type.Object({ items: Type.Array(Release), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const TimelineEvent = Type.Object({
  id: Uuid,
  seq: Type.Integer(),
  releaseId: Uuid,
  type: literals(TIMELINE_EVENT_TYPES),
  at: DateTime,
  actor: Type.Object({ type: literals(['user', 'system', 'ai'] as const), id: Type.String() }),
  channel: literals(CHANNELS),
  release: Type.Object({ application: Type.String(), environment: Type.String(), runtime: literals(RUNTIMES), kind: Type.String() }),
  data: FreeObject,
  prevHash: Type.String(),
  hash: Type.String(),
});

export const TimelineQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Return events after this seq (a previous nextCursor)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  closed,
);

export const TimelinePage = Type.Object({ items: Type.Array(TimelineEvent), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const DiagnosticsResponse = Type.Object({
  releaseId: Uuid,
  runtime: literals(RUNTIMES),
  state: literals(RELEASE_STATES),
  collectedAt: DateTime,
  summary: Type.String(),
  findings: Type.Array(
    Type.Object({
      severity: literals(['error', 'warning', 'info'] as const),
      code: Type.String(),
      resource: Type.Object({ kind: Type.String(), name: Type.String() }),
      message: Type.String(),
      evidence: Type.String(),
    }),
  ),
  resources: Type.Array(Type.Object({ kind: Type.String(), name: Type.String(), ready: Type.Boolean(), status: Type.String(), message: Type.String() })),
  logs: Type.Array(Type.Object({ resource: Type.String(), lines: Type.Array(Type.String()) })),
});

const ApprovalPolicy = Type.Object(
  {
    required: Type.Optional(Type.Boolean()),
    minApprovers: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    allowSelfApproval: Type.Optional(Type.Boolean()),
    ticketTtlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_592_000 })),
  },
  closed,
);

const FreezeWindow = Type.Object({ start: DateTime, end: DateTime, reason: Type.String({ maxLength: 500 }) }, closed);

const Policy = Type.Object(
  {
    profile: Type.Optional(literals(POLICY_PROFILES)),
    allowHostPaths: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 1024, pattern: '^/' }), { maxItems: 100 })),
  },
  { ...closed, description: 'The runtime safety policy: `baseline` (default) refuses host access; `privileged` turns the built-in rules off' },
);

const Target = Type.Union([
  Type.Object({ namespace: Name, context: Type.Optional(Type.String({ maxLength: 253 })) }, closed),
  Type.Object({ project: Type.String({ minLength: 1, maxLength: COMPOSE_PROJECT.maxLength, pattern: COMPOSE_PROJECT.pattern }) }, closed),
]);

export const Environment = Type.Object({
  name: Type.String(),
  runtime: literals(RUNTIMES),
  target: FreeObject,
  production: Type.Boolean(),
  approval: Type.Object({ required: Type.Boolean(), minApprovers: Type.Integer(), allowSelfApproval: Type.Boolean(), ticketTtlSeconds: Type.Integer() }),
  previewTtlSeconds: Type.Integer(),
  applyTimeoutSeconds: Type.Integer(),
  freezeWindows: Type.Array(Type.Object({ start: DateTime, end: DateTime, reason: Type.String() })),
  policy: Type.Object({ profile: literals(POLICY_PROFILES), allowHostPaths: Type.Array(Type.String()) }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const CreateEnvironmentBody = Type.Object(
  {
    name: Name,
    runtime: literals(RUNTIMES),
    target: Target,
    production: Type.Optional(Type.Boolean()),
    approval: Type.Optional(ApprovalPolicy),
    previewTtlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604_800 })),
    applyTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    freezeWindows: Type.Optional(Type.Array(FreezeWindow, { maxItems: 100 })),
    policy: Type.Optional(Policy),
  },
  closed,
);

export const PatchEnvironmentBody = Type.Object(
  {
    target: Type.Optional(Target),
    production: Type.Optional(Type.Boolean()),
    approval: Type.Optional(ApprovalPolicy),
    previewTtlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604_800 })),
    applyTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    freezeWindows: Type.Optional(Type.Array(FreezeWindow, { maxItems: 100 })),
    policy: Type.Optional(Policy),
  },
  { ...closed, minProperties: 1 },
);

export const EnvironmentList = Type.Object({ items: Type.Array(Environment) });

export const Binding = Type.Object(
  { role: literals(ROLES), environments: Type.Array(Type.String({ minLength: 1, maxLength: 63 }), { minItems: 1, maxItems: 100 }) },
  closed,
);

export const CreateTokenBody = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 200 }),
    bindings: Type.Array(Binding, { minItems: 1, maxItems: 100 }),
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 * 5 })),
  },
  closed,
);

export const CreatedToken = Type.Object({
  id: Uuid,
  token: Type.String({ description: 'Shown once; stored only as a hash' }),
  subject: Type.String(),
  bindings: Type.Array(Binding),
  expiresAt: Type.Union([DateTime, Type.Null()]),
});

export const TokenSummary = Type.Object(
  {
    id: Uuid,
    subject: Type.String(),
    bindings: Type.Array(Binding),
    createdAt: DateTime,
    createdBy: Type.String(),
    expiresAt: Type.Union([DateTime, Type.Null()]),
    revokedAt: Type.Union([DateTime, Type.Null()]),
  },
  { ...closed, description: 'A stored token, without its secret or hash' },
);

export const TokenList = Type.Object({ items: Type.Array(TokenSummary) }, closed);

export const Me = Type.Object({
  subject: Type.String(),
  bindings: Type.Array(Binding),
  permissions: Type.Record(Type.String(), Type.Array(Type.String())),
});

export const Approval = Type.Object({
  id: Uuid,
  releaseId: Uuid,
  application: Type.String(),
  environment: Type.String(),
  requestedBy: Type.String(),
  requestedAt: DateTime,
  status: literals(['pending', 'approved', 'rejected', 'expired', 'void'] as const),
  minApprovers: Type.Integer(),
  decisions: Type.Array(Decision),
  draftDigest: Type.String(),
  expiresAt: DateTime,
  summary: Type.Union([Summary, Type.Null()]),
  releaseState: literals(RELEASE_STATES),
  description: Type.Union([Type.String(), Type.Null()]),
});

export const ApprovalsQuery = Type.Object(
  {
    status: Type.Optional(literals(['pending', 'approved', 'rejected', 'expired', 'void'] as const)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  closed,
);

export const ApprovalList = Type.Object({ items: Type.Array(Approval) });

export const DecisionBody = Type.Object(
  { decision: literals(['approve', 'reject'] as const), comment: Type.Optional(Type.String({ maxLength: 2000 })) },
  closed,
);

export const AuditVerification = Type.Object(
  {
    ok: Type.Boolean(),
    checked: Type.Integer({ description: 'Events verified, in seq order, before the first broken one' }),
    reason: Type.Optional(literals(CHAIN_FAILURES)),
    firstBrokenSeq: Type.Optional(Type.Integer()),
    legacyUnkeyed: Type.Integer({ description: 'Unkeyed (sha256:) events of the legacy prefix written before the chain was keyed' }),
  },
  closed,
);

const seq = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });

export const AuditCheckpoint = Type.Object(
  {
    seq: seq('The seq of the head event (0: the chain was empty)'),
    hash: Type.String({ pattern: CHAIN_HASH_PATTERN }),
    at: DateTime,
    signature: Type.String({ pattern: CHECKPOINT_SIGNATURE_PATTERN, description: 'Base64 Ed25519 signature of the canonical JSON of purpose, seq, hash and at' }),
    publicKey: Type.String({ pattern: AUDIT_PUBLIC_KEY_PATTERN, description: 'Base64 of the raw 32-byte Ed25519 public key' }),
  },
  { ...closed, description: 'The signed head of the audit chain' },
);

export const AuditVerifyBody = Type.Object(
  { checkpoint: Type.Optional(Type.Object({ ...AuditCheckpoint.properties, publicKey: Type.Optional(AuditCheckpoint.properties.publicKey) }, closed)) },
  closed,
);

export const AuditExportQuery = Type.Object({ after: Type.Optional(seq('Export the events after this seq (default 0: all)')) }, closed);
