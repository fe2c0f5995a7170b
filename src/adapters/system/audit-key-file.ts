import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_KEY_MIN_LENGTH } from './audit-keyring.js';

/** The audit secret and where it came from (never the secret itself in anything that is logged). */
export interface AuditSecret {
  secret: string;
  /** `environment` (SHIPGATE_AUDIT_KEY), `file` (an existing key file) or `file-created` (generated just now). */
  source: 'environment' | 'file' | 'file-created';
  /** The key file, when the secret came from one. */
  path: string | null;
}

/** The name of the generated key file in the data directory. */
export const AUDIT_KEY_FILE = 'audit.key';

/**
 * The audit secret: `secret` (from SHIPGATE_AUDIT_KEY) when set, else `<dataDir>/audit.key`, generated once with
 * mode 0600 and reused after. A key file others may read is refused, as ssh refuses such a private key.
 * @example const { secret } = loadAuditSecret({ secret: null, dataDir: './data' })
 */
export function loadAuditSecret(options: { secret: string | null; dataDir: string }): AuditSecret {
  if (options.secret !== null) return { secret: options.secret, source: 'environment', path: null };
  const path = join(options.dataDir, AUDIT_KEY_FILE);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  let created = false;
  if (!exists(path)) {
    // Written aside, then linked into place: link fails when another process got there first, and nobody ever
    // reads a half-written key.
    const draft = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(draft, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(draft, path);
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(draft);
    }
  }
  return { secret: readKeyFile(path), source: created ? 'file-created' : 'file', path };
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

function readKeyFile(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new Error(`the audit key file ${path} may be read by other users (mode ${mode.toString(8)}); run: chmod 600 ${path}`);
  }
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < AUDIT_KEY_MIN_LENGTH)
    throw new Error(`the audit key file ${path} holds fewer than ${AUDIT_KEY_MIN_LENGTH} characters`);
  return secret;
}
