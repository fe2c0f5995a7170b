import { Type } from 'typebox';
import { RELEASE_STATES } from '../../../core/release/release.js';
import { DateTime, Uuid, closed, literals } from '../common.schemas.js';
import { Decision, Summary } from './releases.schemas.js';

// Schemas of the approval routes (`/approvals…`).

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
