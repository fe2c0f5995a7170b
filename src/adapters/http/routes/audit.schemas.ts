import { Type } from 'typebox';
import { AUDIT_PUBLIC_KEY_PATTERN, CHECKPOINT_SIGNATURE_PATTERN } from '../../../core/audit/audit-checkpoint.js';
import { CHAIN_FAILURES, CHAIN_HASH_PATTERN } from '../../../core/audit/timeline-event.js';
import { DateTime, closed, literals } from '../common.schemas.js';

// Schemas of the audit routes (`/audit/…`).

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
    signature: Type.String({
      pattern: CHECKPOINT_SIGNATURE_PATTERN,
      description: 'Base64 Ed25519 signature of the canonical JSON of purpose, seq, hash and at',
    }),
    publicKey: Type.String({ pattern: AUDIT_PUBLIC_KEY_PATTERN, description: 'Base64 of the raw 32-byte Ed25519 public key' }),
  },
  { ...closed, description: 'The signed head of the audit chain' },
);

export const AuditVerifyBody = Type.Object(
  {
    checkpoint: Type.Optional(
      Type.Object({ ...AuditCheckpoint.properties, publicKey: Type.Optional(AuditCheckpoint.properties.publicKey) }, closed),
    ),
  },
  closed,
);

export const AuditExportQuery = Type.Object({ after: Type.Optional(seq('Export the events after this seq (default 0: all)')) }, closed);
