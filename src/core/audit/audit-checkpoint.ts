import { canonicalJson } from '../canonical-json.js';

/** The head of the chain a checkpoint vouches for; `at` is when the checkpoint was made. */
export interface CheckpointHead {
  seq: number;
  hash: string;
  at: string;
}

/**
 * A signed head of the chain. Kept outside the database (a ticket, a CI artifact, an operator's notes), it later
 * proves that the chain still reaches `seq` with exactly `hash`: neither cut short nor rewritten below it.
 */
export interface AuditCheckpoint extends CheckpointHead {
  /** Base64 Ed25519 signature of {@link checkpointPayload}. */
  signature: string;
  /** Base64 of the raw 32-byte Ed25519 public key that verifies `signature`. */
  publicKey: string;
}

/** Base64 of a 64-byte Ed25519 signature. */
export const CHECKPOINT_SIGNATURE_PATTERN = '^[A-Za-z0-9+/]{86}==$';

/** Base64 of a raw 32-byte Ed25519 public key. */
export const AUDIT_PUBLIC_KEY_PATTERN = '^[A-Za-z0-9+/]{43}=$';

/**
 * The exact text a checkpoint signature covers: canonical JSON of the head with a purpose tag, so that a signature
 * made for anything else never passes as a checkpoint.
 * @example checkpointPayload({ seq: 3, hash: 'hmac-sha256:…', at: '2026-11-25T12:00:00.000Z' })
 * // '{"at":"2026-11-25T12:00:00.000Z","hash":"hmac-sha256:…","purpose":"shipgate.audit.checkpoint.v1","seq":3}'
 */
export function checkpointPayload(head: CheckpointHead): string {
  return canonicalJson({ purpose: 'shipgate.audit.checkpoint.v1', seq: head.seq, hash: head.hash, at: head.at });
}
