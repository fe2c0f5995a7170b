import { Type, type Static } from 'typebox';
import { TIMELINE_EVENT_TYPES } from '../../../core/audit/timeline-event.js';
import { MAX_PARAMETER_VALUE_LENGTH, PARAMETER_NAME } from '../../../core/names.js';
import {
  APPROVAL_STATUSES,
  CHANNELS,
  EXECUTION_STAGES,
  RELEASE_STATES,
  RUNTIMES,
  type Release as CoreRelease,
} from '../../../core/release/release.js';
import { DateTime, FreeObject, Name, PolicyResult, StringMap, UUID_PATTERN, Uuid, closed, literals } from '../common.schemas.js';

// Schemas of the release routes (`/releases…`): drafts, previews, submit/apply, timeline and diagnostics.

export const Spec = Type.Union([
  Type.Object({ manifests: Type.String({ minLength: 1, description: 'Kubernetes manifests (multi-document YAML)' }) }, closed),
  Type.Object({ compose: Type.String({ minLength: 1, description: 'A Compose file (YAML)' }) }, closed),
]);

const Parameters = Type.Record(
  Type.String({ pattern: PARAMETER_NAME.pattern, maxLength: PARAMETER_NAME.maxLength }),
  Type.String({ maxLength: MAX_PARAMETER_VALUE_LENGTH }),
  {
    description: 'Values substituted for ${NAME} in the spec',
  },
);

export const Decision = Type.Object({
  approver: Type.String(),
  decision: literals(['approve', 'reject'] as const),
  comment: Type.String(),
  at: DateTime,
});

const Provenance = Type.Object(
  {
    releaseId: Uuid,
    environment: Type.String(),
    succeededAt: DateTime,
    images: Type.Array(Type.Object({ resource: Type.String(), ref: Type.String(), pinned: Type.String() })),
  },
  { description: 'Where a promoted release came from, and the immutable image each reference was pinned to' },
);

export const Release = Type.Object({
  id: Uuid,
  application: Type.String(),
  environment: Type.String(),
  runtime: literals(RUNTIMES),
  kind: literals(['deploy', 'rollback'] as const),
  rollbackOf: Type.Union([Uuid, Type.Null()]),
  rollbackTo: Type.Union([Uuid, Type.Null()]),
  promotedFrom: Type.Union([Uuid, Type.Null()]),
  provenance: Type.Union([Provenance, Type.Null()]),
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
    verifyUntil: Type.Union([DateTime, Type.Null()]),
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
      Type.Object(
        { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
        { ...closed, description: 'Admins only: apply inside a freeze window' },
      ),
    ),
  },
  closed,
);

export const PromoteBody = Type.Object(
  {
    environment: Type.String({ minLength: 1, maxLength: 63, description: 'The environment to promote into' }),
    parameters: Type.Optional(Parameters),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    channel: Type.Optional(literals(['ui', 'api', 'cli'] as const)),
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
    after: Type.Optional(
      Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Return events after this seq (a previous nextCursor)' }),
    ),
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
  resources: Type.Array(
    Type.Object({ kind: Type.String(), name: Type.String(), ready: Type.Boolean(), status: Type.String(), message: Type.String() }),
  ),
  logs: Type.Array(Type.Object({ resource: Type.String(), lines: Type.Array(Type.String()) })),
});

/** True when two types are the same (not merely assignable one way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// The API's Release is the core's Release: a field added, dropped or typed differently on one side fails the build.
const releaseSchemaMatchesCore: Same<Static<typeof Release>, CoreRelease> = true;
void releaseSchemaMatchesCore;
