import { Type, type Static } from 'typebox';
import { DRIFT_STATUSES, type Drift as CoreDrift } from '../../../core/drift/drift.js';
import { COMPOSE_PROJECT, DNS_LABEL } from '../../../core/names.js';
import { POLICY_PROFILES } from '../../../core/policy/policy.js';
import { RUNTIMES } from '../../../core/release/release.js';
import { DateTime, FreeObject, Name, Uuid, closed, literals, type Same } from '../common.schemas.js';
import { Change } from './releases.schemas.js';

// Schemas of the environment routes (`/environments…`).

const ApprovalPolicy = Type.Object(
  {
    required: Type.Optional(Type.Boolean()),
    minApprovers: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    allowSelfApproval: Type.Optional(Type.Boolean()),
    ticketTtlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_592_000 })),
    rollbackWithoutApproval: Type.Optional(
      Type.Boolean({ description: 'A rollback, by a person or by automatic rollback after a failed verification, skips the queue' }),
    ),
  },
  closed,
);

const PromotionRule = Type.Object(
  {
    from: Name,
    soakSeconds: Type.Integer({ minimum: 0, maximum: 2_592_000, description: 'How long the upstream release must have run' }),
  },
  { ...closed, description: 'Releases must be promotions of what succeeded in `from` and still runs there' },
);

const HttpProbe = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, pattern: '^https?://' }),
    expectStatus: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
  },
  closed,
);

const VerificationPolicy = Type.Object(
  {
    windowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600 })),
    maxRestarts: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000 })),
    httpProbe: Type.Optional(Type.Union([HttpProbe, Type.Null()])),
    autoRollback: Type.Optional(Type.Boolean()),
  },
  { ...closed, description: 'What is watched after the rollout before the release counts as succeeded' },
);

const FreezeWindow = Type.Object({ start: DateTime, end: DateTime, reason: Type.String({ maxLength: 500 }) }, closed);

const CustomRule = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 63, pattern: DNS_LABEL.pattern }),
    severity: literals(['deny', 'warn'] as const),
    message: Type.String({ minLength: 1, maxLength: 500 }),
    expression: Type.String({
      minLength: 1,
      maxLength: 4_096,
      description: 'CEL over `release`, `images` and `resources`; true when the release passes',
    }),
  },
  { ...closed, description: 'A custom policy rule: a CEL expression a release must make true, checked when the environment is saved' },
);

const Policy = Type.Object(
  {
    profile: Type.Optional(literals(POLICY_PROFILES)),
    allowHostPaths: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 1024, pattern: '^/' }), { maxItems: 100 })),
    rules: Type.Optional(Type.Array(CustomRule, { maxItems: 50 })),
  },
  {
    ...closed,
    description: 'The runtime safety policy: `baseline` (default) refuses host access; `privileged` turns the built-in rules off',
  },
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
  approval: Type.Object({
    required: Type.Boolean(),
    minApprovers: Type.Integer(),
    allowSelfApproval: Type.Boolean(),
    ticketTtlSeconds: Type.Integer(),
    rollbackWithoutApproval: Type.Boolean(),
  }),
  previewTtlSeconds: Type.Integer(),
  applyTimeoutSeconds: Type.Integer(),
  freezeWindows: Type.Array(Type.Object({ start: DateTime, end: DateTime, reason: Type.String() })),
  policy: Type.Object({
    profile: literals(POLICY_PROFILES),
    allowHostPaths: Type.Array(Type.String()),
    rules: Type.Array(
      Type.Object({ id: Type.String(), severity: literals(['deny', 'warn'] as const), message: Type.String(), expression: Type.String() }),
    ),
  }),
  promotion: Type.Union([Type.Object({ from: Type.String(), soakSeconds: Type.Integer() }), Type.Null()]),
  verification: Type.Union([
    Type.Object({
      windowSeconds: Type.Integer(),
      maxRestarts: Type.Integer(),
      httpProbe: Type.Union([Type.Object({ url: Type.String(), expectStatus: Type.Integer() }), Type.Null()]),
      autoRollback: Type.Boolean(),
    }),
    Type.Null(),
  ]),
  createdAt: DateTime,
  updatedAt: DateTime,
});

/** What an admin may set on an environment, when creating it and when changing it. */
const Settings = {
  production: Type.Optional(Type.Boolean()),
  approval: Type.Optional(ApprovalPolicy),
  previewTtlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604_800 })),
  applyTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  freezeWindows: Type.Optional(Type.Array(FreezeWindow, { maxItems: 100 })),
  policy: Type.Optional(Policy),
  promotion: Type.Optional(Type.Union([PromotionRule, Type.Null()])),
  verification: Type.Optional(Type.Union([VerificationPolicy, Type.Null()])),
};

export const CreateEnvironmentBody = Type.Object({ name: Name, runtime: literals(RUNTIMES), target: Target, ...Settings }, closed);

export const PatchEnvironmentBody = Type.Object({ target: Type.Optional(Target), ...Settings }, { ...closed, minProperties: 1 });

export const EnvironmentList = Type.Object({ items: Type.Array(Environment) });

export const Drift = Type.Object({
  application: Type.String(),
  releaseId: Uuid,
  status: literals(DRIFT_STATUSES),
  checkedAt: DateTime,
  changes: Type.Array(Change, {
    description: 'What differs from the release, as a preview shows it (secrets masked): `-` what runs, `+` what the release applied',
  }),
  message: Type.Union([Type.String(), Type.Null()], { description: 'With `unknown`: why the runtime could not be checked' }),
});

export const DriftList = Type.Object({ items: Type.Array(Drift) });

// The API's Drift is the core's Drift: a field added, dropped or typed differently on one side fails the build.
const driftSchemaMatchesCore: Same<Static<typeof Drift>, CoreDrift> = true;
void driftSchemaMatchesCore;

export const RuntimeList = Type.Object({
  items: Type.Array(Type.Object({ runtime: literals(RUNTIMES), reachable: Type.Boolean() })),
});
