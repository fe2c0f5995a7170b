import { Type } from 'typebox';
import { ALL_ENVIRONMENTS, ROLES } from '../../../core/access/access.js';
import { CLAIM_NAME, ROLE_MAPPING_LIMITS } from '../../../core/access/role-mapping.js';
import { DNS_LABEL } from '../../../core/names.js';
import { DateTime, Uuid, closed, literals } from '../common.schemas.js';

// Schemas of the access routes (`/tokens`, `/me`).

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
  csrf: Type.Optional(Type.String({ description: 'Signed in by cookie: the x-shipgate-csrf value every change must carry' })),
});

/** `*` or an environment name. */
const MappedEnvironment = Type.String({
  maxLength: DNS_LABEL.maxLength,
  pattern: `^(\\${ALL_ENVIRONMENTS}|${DNS_LABEL.pattern.slice(1, -1)})$`,
  description: '"*" (every environment) or an environment name',
});

const RoleMappingFields = {
  claim: Type.String({ minLength: 1, maxLength: CLAIM_NAME.maxLength, pattern: CLAIM_NAME.pattern }),
  value: Type.String({ minLength: 1, maxLength: ROLE_MAPPING_LIMITS.maxValueLength }),
  role: literals(ROLES),
  environments: Type.Array(MappedEnvironment, { minItems: 1, maxItems: 100 }),
};

const Issuer = Type.String({ minLength: 1, maxLength: 500, pattern: '^https?://[^\\s]+$', description: 'A trusted issuer URL' });

export const RoleMappingInput = Type.Object(
  { issuer: Type.Optional(Type.Union([Issuer, Type.Null()])), ...RoleMappingFields },
  {
    ...closed,
    description: "Without issuer: matches the sign-in provider's ID tokens; with one: only tokens of that issuer (e.g. a CI system)",
  },
);

export const RoleMappingsBody = Type.Array(RoleMappingInput, { maxItems: ROLE_MAPPING_LIMITS.maxMappings });

export const RoleMapping = Type.Object({ issuer: Type.Union([Issuer, Type.Null()]), ...RoleMappingFields }, closed);

export const RoleMappingList = Type.Object({ items: Type.Array(RoleMapping) }, closed);
