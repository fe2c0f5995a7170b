import { Type } from 'typebox';
import { ROLES } from '../../../core/access/access.js';
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
});
