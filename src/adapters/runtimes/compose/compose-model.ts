import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../core/canonical-json.js';
import { sha256Digest } from '../../../core/digest.js';
import { ShipgateError, type FieldError } from '../../../core/errors.js';
import { specDocuments } from '../../../core/release/spec-render.js';
import { MASK, looksSecret } from '../../../core/secrets/secret-masking.js';
import type { DeployTarget } from '../../../ports/runtime-driver.js';

/** A Compose project as `docker compose config --format json` normalizes it. */
export interface ComposeModel {
  name?: string;
  services: Record<string, ComposeService>;
  [key: string]: unknown;
}

export type ComposeService = Record<string, unknown> & { image?: string; labels?: Record<string, string>; environment?: Record<string, string | null> };

/** Labels Shipgate puts on every service it applies. Content-derived only, so an unchanged service is not recreated. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  application: 'shipgate.io/application',
  environment: 'shipgate.io/environment',
  serviceDigest: 'shipgate.io/service-digest',
  serviceConfig: 'shipgate.io/service-config',
} as const;

/** The Compose project of one application in one environment: `<target.project>-<application>`. */
export function composeProjectName(target: DeployTarget): string {
  if (!('project' in target.target)) throw new Error('a compose environment needs target.project');
  return `${target.target.project}-${target.application}`.toLowerCase();
}

/** A service's config without Shipgate's own labels (what its digest covers). */
export function withoutShipgateLabels(service: ComposeService): ComposeService {
  const labels = Object.fromEntries(Object.entries(service.labels ?? {}).filter(([k]) => !Object.values(LABELS).includes(k as never)));
  const copy: ComposeService = { ...service };
  if (Object.keys(labels).length > 0) copy.labels = labels;
  else delete copy.labels;
  return copy;
}

/** The digest of a service's full config (secrets included, so a changed secret is a change). */
export function serviceDigest(service: ComposeService): string {
  return sha256Digest(canonicalJson(withoutShipgateLabels(service)));
}

/**
 * A service's config as it may be shown and stored in a label: secret-looking environment values replaced by the
 * mask and a short fingerprint, so a changed secret can be told without showing it.
 */
export function fingerprintedService(service: ComposeService, project: string): ComposeService {
  const bare = withoutShipgateLabels(service);
  const env = bare.environment;
  if (!env) return bare;
  const masked: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(env)) {
    masked[k] = looksSecret(k) && v !== null ? `${MASK}:${createHash('sha256').update(`${project}\u0000${k}\u0000${v}`).digest('hex').slice(0, 12)}` : v;
  }
  return { ...bare, environment: masked };
}

/** Turns fingerprints into the plain mask for display; a fingerprint that differs from `other`'s is marked changed. */
export function displayService(service: ComposeService | null, other: ComposeService | null): ComposeService | null {
  if (!service) return null;
  const env = service.environment;
  if (!env) return service;
  const otherEnv = other?.environment ?? {};
  const shown: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(env)) {
    if (typeof v === 'string' && v.startsWith(`${MASK}:`)) {
      const changed = other !== null && otherEnv[k] !== undefined && otherEnv[k] !== v;
      shown[k] = changed ? `${MASK} (changed)` : MASK;
    } else shown[k] = v;
  }
  return { ...service, environment: shown };
}

/** Encodes a fingerprinted service for the `shipgate.io/service-config` label. */
export function encodeServiceLabel(service: ComposeService): string {
  return Buffer.from(canonicalJson(service)).toString('base64url');
}

export function decodeServiceLabel(value: string | undefined): ComposeService | null {
  if (!value) return null;
  try {
    return JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as ComposeService;
  } catch {
    return null;
  }
}

/** The model Shipgate applies: every service labelled with its owner and its content digest. */
export function labelledModel(model: ComposeModel, target: DeployTarget, project: string): ComposeModel {
  const services: Record<string, ComposeService> = {};
  for (const [name, service] of Object.entries(model.services ?? {})) {
    services[name] = {
      ...service,
      labels: {
        ...(service.labels ?? {}),
        [LABELS.managedBy]: 'shipgate',
        [LABELS.application]: target.application,
        [LABELS.environment]: target.environment,
        [LABELS.serviceDigest]: serviceDigest(service),
        [LABELS.serviceConfig]: encodeServiceLabel(fingerprintedService(service, project)),
      },
    };
  }
  return { ...model, name: project, services };
}

/**
 * Refuses Compose features that would make Compose read files on the Shipgate server into the release (and so
 * into previews): `env_file`, `extends` from a file, top-level `include`, and `build` (images must be referenced,
 * not built here).
 */
export function checkComposeSources(rendered: string): void {
  const errors: FieldError[] = [];
  for (const doc of specDocuments(rendered)) {
    const project = doc as Record<string, unknown>;
    if (project['include'] !== undefined) errors.push({ path: '/spec/compose', message: '`include` is not supported: put every service in the release' });
    for (const [name, raw] of Object.entries((project['services'] ?? {}) as Record<string, Record<string, unknown> | null>)) {
      const service = raw ?? {};
      if (service['env_file'] !== undefined) errors.push({ path: '/spec/compose', message: `service ${name}: \`env_file\` is not supported; use \`environment\` with parameters` });
      if (service['build'] !== undefined) errors.push({ path: '/spec/compose', message: `service ${name}: \`build\` is not supported; reference an image` });
      const ext = service['extends'];
      if (ext && typeof ext === 'object' && (ext as Record<string, unknown>)['file'] !== undefined) errors.push({ path: '/spec/compose', message: `service ${name}: \`extends\` from a file is not supported` });
    }
  }
  if (errors.length > 0) throw new ShipgateError('VALIDATION_FAILED', errors.map((e) => e.message).join('; '), { errors });
}
