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

/**
 * Every secret value a rendered spec carries: Compose environment values whose name looks secret, Kubernetes
 * `Secret` data (decoded and encoded) and stringData, and parameters whose name looks secret.
 */
export function secretValuesOf(rendered: string, parameters: Record<string, string>): string[] {
  const values = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.length >= MIN_SECRET_LENGTH) values.add(v);
  };
  for (const [name, value] of Object.entries(parameters)) if (looksSecret(name)) add(value);
  let documents: unknown[] = [];
  try {
    documents = specDocuments(rendered);
  } catch {
    documents = [];
  }
  for (const doc of documents) {
    const obj = asRecord(doc);
    if (!obj) continue;
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
    }
  }
  // Longest first, so a secret that contains another is masked whole.
  return [...values].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret value in a text with {@link MASK}. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out;
}

/** {@link redactText} over every string of a JSON-like value. */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  if (typeof value === 'string') return redactText(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets)) as T;
  const obj = asRecord(value);
  if (obj) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = redactDeep(v, secrets);
    return out as T;
  }
  return value;
}

/** Parameters as shown to people: values of secret-looking names masked. */
export function maskParameters(parameters: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parameters)) out[k] = looksSecret(k) ? MASK : v;
  return out;
}
