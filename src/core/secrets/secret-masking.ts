import { ShipgateError } from '../errors.js';
import { specDocuments } from '../release/spec-render.js';

/** What a masked value is shown as. */
export const MASK = '********';

const SECRET_KEY = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH)/i;
/** Values shorter than this are not hunted for in free text: masking "a" everywhere would destroy logs. */
const MIN_SECRET_LENGTH = 4;

/** True when a variable or parameter name looks like it holds a secret. */
export function looksSecret(name: string): boolean {
  return SECRET_KEY.test(name);
}

/**
 * Names that end in a secret word (`db-password`, `PGPASSWORD`, `access_token`, `api-key`, `client_secret`, `sig`):
 * used where names are free-form (command flags, shell assignments, URL query parameters, labels, ConfigMap keys),
 * so that `--auth-mode` or `--key-file` do not count.
 */
const SECRET_SUFFIX = new RegExp(
  String.raw`(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API[_.-]?KEY|ACCESS[_.-]?KEY|PRIVATE[_.-]?KEY|SECRET[_.-]?KEY` +
    '|CREDENTIALS?|AUTH|SIG|SIGNATURE)$',
  'i',
);

/** `name=value` inside a text: a flag (`--db-password=x`, `-Dx.password=y`), a shell assignment or a URL query parameter. */
const ASSIGNMENT = /(?:^|[\s"'&?;,(])-{0,2}([A-Za-z_][A-Za-z0-9_.-]*)=("[^"]*"|'[^']*'|[^\s"'&;,)#]+)/g;

/** A URL query parameter (`?token=…`, `&password=…`). */
const QUERY_PARAMETER = /([?&;])([A-Za-z0-9_.-]+)=([^&#\s"'<>]*)/g;

/** A value worth hunting for: not a reference (`${X}`, `$(X)`), not a file path, not already masked. */
function plausibleSecret(value: string): boolean {
  return value.length >= MIN_SECRET_LENGTH && !value.startsWith('$') && !value.startsWith('/') && !value.startsWith(MASK);
}

/** Values assigned to secret-ending names inside a text (flags, shell assignments, URL query parameters). */
export function assignedSecrets(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(ASSIGNMENT)) {
    const name = m[1] ?? '';
    const raw = m[2] ?? '';
    const value = /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
    if (SECRET_SUFFIX.test(name) && plausibleSecret(value)) found.push(value);
  }
  return found;
}

/** Secret values a list of arguments passes as a separate word after a flag (`["--password", "x"]`). */
function flagArguments(values: readonly unknown[]): string[] {
  const found: string[] = [];
  values.forEach((v, i) => {
    const flag = typeof v === 'string' ? /^-{1,2}([A-Za-z0-9_.-]+)$/.exec(v) : null;
    const next = values[i + 1];
    if (flag && SECRET_SUFFIX.test(flag[1] ?? '') && typeof next === 'string' && !next.startsWith('-') && plausibleSecret(next))
      found.push(next);
  });
  return found;
}

/** Every map inside a JSON-like value (bounded depth). */
function mapsOf(value: unknown, out: Array<Record<string, unknown>> = [], depth = 0): Array<Record<string, unknown>> {
  if (depth > 64 || value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) for (const v of value) mapsOf(v, out, depth + 1);
  else {
    out.push(value as Record<string, unknown>);
    for (const v of Object.values(value)) mapsOf(v, out, depth + 1);
  }
  return out;
}

/** Every list inside a JSON-like value (bounded depth). */
function listsOf(value: unknown, out: unknown[][] = [], depth = 0): unknown[][] {
  if (depth > 64 || value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) out.push(value);
  for (const v of Object.values(value)) listsOf(v, out, depth + 1);
  return out;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** `environment:` of a Compose service as name → value, from either of its two shapes. */
export function composeEnvironment(service: Record<string, unknown>): Record<string, string | null> {
  const env = service['environment'];
  const result: Record<string, string | null> = {};
  if (Array.isArray(env)) {
    for (const entry of env) {
      const text = String(entry);
      const eq = text.indexOf('=');
      if (eq === -1) result[text] = null;
      else result[text.slice(0, eq)] = text.slice(eq + 1);
    }
  } else {
    for (const [k, v] of Object.entries(asRecord(env) ?? {})) result[k] = v === null || v === undefined ? null : String(v);
  }
  return result;
}

/** `labels:` of a Compose service as name → value, from either of its two shapes. */
function composeLabels(service: Record<string, unknown>): Record<string, string> {
  const labels = service['labels'];
  const result: Record<string, string> = {};
  if (Array.isArray(labels)) {
    for (const entry of labels) {
      const text = String(entry);
      const eq = text.indexOf('=');
      if (eq !== -1) result[text.slice(0, eq)] = text.slice(eq + 1);
    }
  } else {
    for (const [k, v] of Object.entries(asRecord(labels) ?? {})) if (v !== null && v !== undefined) result[k] = String(v);
  }
  return result;
}

/** `scheme://user:password@` (or `scheme://token@`): the user-info of a URL, whatever the scheme. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*)(?::([^\s/?#@]*))?@/gi;

/** The secret part of each URL user-info in a text: the password, or a lone user-info (a token, as in `https://tok@host`). */
export function urlCredentials(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(URL_USERINFO)) {
    const secret = m[3] !== undefined ? m[3] : m[2];
    if (secret) found.push(secret);
  }
  return found;
}

/** Every string inside a JSON-like value. */
function stringsOf(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 64) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, out, depth + 1);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) stringsOf(v, out, depth + 1);
  return out;
}

/**
 * Every secret value a rendered spec carries: Compose environment values whose name looks secret, Kubernetes
 * `Secret` data (decoded and encoded) and stringData, container environment variables (`{ name, value }`) whose name
 * looks secret, ConfigMap entries and Compose labels whose name ends in a secret word, parameters whose name looks
 * secret, the credentials of every URL (`scheme://user:password@host`) in the spec or the parameters, and values
 * assigned to secret names inside any text (`--db-password=…`, `PGPASSWORD=… psql`, `?access_token=…`) or passed
 * after such a flag (`["--password", "…"]`). A multi-line secret also counts line by
 * line, since a diff or a log shows it a line at a time.
 */
export function secretValuesOf(rendered: string, parameters: Record<string, string>): string[] {
  const values = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v !== 'string') return;
    for (const piece of [v, ...(v.includes('\n') ? v.split(/\r?\n/).map((l) => l.trim()) : [])]) {
      if (piece.length >= MIN_SECRET_LENGTH) values.add(piece);
    }
  };
  for (const [name, value] of Object.entries(parameters)) {
    if (looksSecret(name)) add(value);
    for (const credential of urlCredentials(value)) add(credential);
    for (const assigned of assignedSecrets(value)) add(assigned);
  }
  let documents: unknown[] = [];
  try {
    documents = specDocuments(rendered);
  } catch {
    documents = [];
  }
  for (const doc of documents) {
    for (const text of stringsOf(doc)) {
      for (const credential of urlCredentials(text)) add(credential);
      for (const assigned of assignedSecrets(text)) add(assigned);
    }
    for (const args of listsOf(doc)) for (const value of flagArguments(args)) add(value);
    // A container environment variable (Kubernetes `env: [{ name, value }]`, or any such pair) under a secret name.
    for (const map of mapsOf(doc)) {
      if (typeof map['name'] === 'string' && typeof map['value'] === 'string' && looksSecret(map['name'])) add(map['value']);
    }
    const obj = asRecord(doc);
    if (!obj) continue;
    if (obj['kind'] === 'ConfigMap') {
      for (const [k, v] of Object.entries(asRecord(obj['data']) ?? {})) if (SECRET_SUFFIX.test(k)) add(String(v));
    }
    if (obj['kind'] === 'Secret') {
      for (const v of Object.values(asRecord(obj['stringData']) ?? {})) add(String(v));
      for (const v of Object.values(asRecord(obj['data']) ?? {})) {
        add(String(v));
        add(Buffer.from(String(v), 'base64').toString('utf8'));
      }
    }
    for (const service of Object.values(asRecord(obj['services']) ?? {})) {
      const svc = asRecord(service);
      if (!svc) continue;
      for (const [k, v] of Object.entries(composeEnvironment(svc))) if (looksSecret(k)) add(v);
      for (const [k, v] of Object.entries(composeLabels(svc))) if (SECRET_SUFFIX.test(k)) add(v);
    }
  }
  // Longest first, so a secret that contains another is masked whole.
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * Replaces every occurrence of each secret value in a text with {@link MASK}, and the password of every URL
 * (`scheme://user:********@host`) and every secret-named URL query parameter (`?token=********`) whatever its length.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out
    .replace(URL_USERINFO, (match, scheme: string, user: string, password: string | undefined) => {
      if (password !== undefined) return password === MASK || password === '' ? match : `${scheme}${user}:${MASK}@`;
      return user === '' || user === MASK ? match : `${scheme}${MASK}@`;
    })
    .replace(QUERY_PARAMETER, (match, separator: string, name: string, value: string) =>
      SECRET_SUFFIX.test(name) && value !== '' && value !== MASK ? `${separator}${name}=${MASK}` : match,
    );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * {@link redactText} over every string of a JSON-like value (plain objects and arrays; anything else, such as a
 * request object, is left as it is, and nesting deeper than any document Shipgate makes is cut off).
 */
export function redactDeep<T>(value: T, secrets: readonly string[], depth = 0): T {
  if (typeof value === 'string') return redactText(value, secrets) as T;
  if (depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets, depth + 1)) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, secrets, depth + 1);
    return out as T;
  }
  return value;
}

/**
 * Parameters as shown to people: the value of a secret-looking name masked whole, and in any other value each
 * secret the release carries (by value, so a secret passed under an innocent name is masked too) and each URL
 * password.
 * @example maskParameters({ DB_PASSWORD: 'p', DSN: 'pg://u:pw@db' }, []) // { DB_PASSWORD: '********', DSN: 'pg://u:********@db' }
 */
export function maskParameters(parameters: Record<string, string>, secrets: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parameters)) out[k] = looksSecret(k) || secrets.includes(v) ? MASK : redactText(v, secrets);
  return out;
}

/**
 * An error as it may leave Shipgate: a runtime's own messages (a Kubernetes API server's, Compose's) can quote the
 * rendered spec, so each secret in its detail and field errors is masked. Anything but a ShipgateError is left as it is.
 */
export function withoutSecrets(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof ShipgateError)) return error;
  return new ShipgateError(error.code, redactText(error.detail, secrets), redactDeep(error.metadata, secrets));
}
