import type { ChainHasher } from '../core/audit/timeline-event.js';

/**
 * The audit key's two uses: the keyed hash chain, and the Ed25519 key pair (derived from the same secret) that signs
 * checkpoints. The secret never leaves the implementation: not into the database, a response or a log line.
 */
export interface AuditKeys extends ChainHasher {
  /** Base64 of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
  /** Base64 Ed25519 signature of `text` (UTF-8). */
  sign(text: string): string;
  /** True when `signature` is this key pair's signature of `text`; false for anything else, malformed input included. */
  verify(text: string, signature: string): boolean;
}
