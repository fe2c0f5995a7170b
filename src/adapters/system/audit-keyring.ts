import { createHmac, createPrivateKey, createPublicKey, hkdfSync, sign, verify, type KeyObject } from 'node:crypto';
import type { AuditKeys } from '../../ports/audit-keys.js';

/** The fewest characters an audit key may have (`openssl rand -hex 32` gives 64). */
export const AUDIT_KEY_MIN_LENGTH = 32;

// PKCS#8 DER of an Ed25519 private key is this fixed prefix followed by the 32-byte seed (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const CHECKPOINT_KEY_INFO = 'shipgate audit checkpoint ed25519 v1';

/**
 * The audit key in memory: HMAC-SHA256 for the chain with the key itself, and an Ed25519 key pair for checkpoints
 * whose seed is HKDF-SHA256(key, info "shipgate audit checkpoint ed25519 v1"), so there is one secret to keep.
 * The secret sits in private fields: it is not enumerable, serializable or shown by `inspect`.
 * @example const keys = AuditKeyring.fromSecret(process.env.SHIPGATE_AUDIT_KEY!); keys.publicKey
 */
export class AuditKeyring implements AuditKeys {
  readonly publicKey: string;
  readonly #hmacKey: Buffer;
  readonly #privateKey: KeyObject;
  readonly #verifyKey: KeyObject;

  private constructor(secret: Buffer) {
    this.#hmacKey = secret;
    const seed = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), CHECKPOINT_KEY_INFO, 32));
    this.#privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    this.#verifyKey = createPublicKey(this.#privateKey);
    const jwk = this.#verifyKey.export({ format: 'jwk' });
    this.publicKey = Buffer.from(String(jwk.x), 'base64url').toString('base64');
  }

  /** The keyring of a secret text (its UTF-8 bytes are the key); refuses one shorter than {@link AUDIT_KEY_MIN_LENGTH}. */
  static fromSecret(secret: string): AuditKeyring {
    if (secret.length < AUDIT_KEY_MIN_LENGTH) throw new Error(`the audit key must have at least ${AUDIT_KEY_MIN_LENGTH} characters`);
    return new AuditKeyring(Buffer.from(secret, 'utf8'));
  }

  hmacSha256Hex(text: string): string {
    return createHmac('sha256', this.#hmacKey).update(text, 'utf8').digest('hex');
  }

  sign(text: string): string {
    return sign(null, Buffer.from(text, 'utf8'), this.#privateKey).toString('base64');
  }

  verify(text: string, signature: string): boolean {
    try {
      return verify(null, Buffer.from(text, 'utf8'), this.#verifyKey, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  }

  /** What a log line or a JSON body shows of the keyring: its public key only. */
  toJSON(): { publicKey: string } {
    return { publicKey: this.publicKey };
  }
}
