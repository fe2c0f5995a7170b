import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../core/canonical-json.js';
import { sha256Digest } from '../../../core/digest.js';
import { ShipgateError } from '../../../core/errors.js';
import type { PolicyResource } from '../../../core/policy/policy.js';
import { MASK, looksSecret } from '../../../core/secrets/secret-masking.js';
import type { DeployTarget } from '../../../ports/runtime-driver.js';
import type { ContainerState } from './docker-engine.js';

/** A Compose project as `docker compose config --format json` normalizes it. */
export interface ComposeModel {
  name?: string;
  services: Record<string, ComposeService>;
  [key: string]: unknown;
}

export type ComposeService = Record<string, unknown> & {
  image?: string;
  labels?: Record<string, string>;
  environment?: Record<string, string | null>;
};

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
    masked[k] =
      looksSecret(k) && v !== null
        ? `${MASK}:${createHash('sha256').update(`${project}\u0000${k}\u0000${v}`).digest('hex').slice(0, 12)}`
        : v;
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

/** The release as the runtime policy judges it: each service, volume and network of the normalized model. */
export function policyResourcesOf(model: ComposeModel): PolicyResource[] {
  const entries = (kind: string, map: unknown): PolicyResource[] =>
    Object.entries((map ?? {}) as Record<string, Record<string, unknown> | null>).map(([name, spec]) => ({ kind, name, spec: spec ?? {} }));
  return [
    ...Object.entries(model.services ?? {}).map(([name, service]) => ({ kind: 'Service', name, spec: withoutShipgateLabels(service) })),
    ...entries('Volume', model['volumes']),
    ...entries('Network', model['networks']),
  ];
}

/**
 * Refuses to touch containers that Shipgate labelled for another environment or application: that would reach
 * another environment's workload without its gates. Containers Shipgate never labelled may be adopted.
 */
export function checkProjectOwnership(containers: readonly { labels: Record<string, string> }[], target: DeployTarget): void {
  for (const c of containers) {
    const env = c.labels[LABELS.environment];
    const app = c.labels[LABELS.application];
    if ((env !== undefined && env !== target.environment) || (app !== undefined && app !== target.application)) {
      throw new ShipgateError(
        'TARGET_IN_USE',
        'the Compose project runs containers of another environment or application; Shipgate will not change them',
      );
    }
  }
}

/** Engine states in which a container is up, or being brought back up by its restart policy. */
const UP_STATES = new Set(['running', 'restarting']);

/** True when a container is up, or being brought back up by its restart policy (not stopped, paused or dead). */
export function isUp(container: Pick<ContainerState, 'status'>): boolean {
  return UP_STATES.has(container.status);
}

/** Between the digest of what runs and the start facts of each container, in a live digest. */
const STARTS = ';starts=';

/**
 * A digest of what runs for a project: each container's id, image, Compose config hash and whether it is up, then
 * each container's last start and restart count (see {@link sameLive}). Recreating, replacing, removing, stopping,
 * pausing or restarting a container by hand behind Shipgate's back changes it; a restart policy bringing a crashed
 * container back does not (a rollback of a crash-looping release must stay appliable).
 */
export function liveDigestOf(containers: readonly ContainerState[]): string {
  const sorted = [...containers].sort((a, b) => a.name.localeCompare(b.name));
  const facts = sorted.map((c) => [c.name, c.id, c.imageId, c.labels['com.docker.compose.config-hash'] ?? '', isUp(c) ? 'up' : c.status]);
  const starts = sorted.map((c) => [c.name, c.startedAt ?? '', c.restartCount]);
  return `${sha256Digest(canonicalJson(facts))}${STARTS}${Buffer.from(canonicalJson(starts)).toString('base64url')}`;
}

function startsOf(digest: string): Map<string, { startedAt: string; restarts: number }> | null {
  const at = digest.indexOf(STARTS);
  if (at < 0) return null;
  try {
    const rows = JSON.parse(Buffer.from(digest.slice(at + STARTS.length), 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(rows)) return null;
    return new Map(
      rows.map((r) => [String((r as unknown[])[0]), { startedAt: String((r as unknown[])[1]), restarts: Number((r as unknown[])[2]) }]),
    );
  } catch {
    return null;
  }
}

/**
 * True when what runs now is what ran when `before` was taken. Docker resets a container's restart count when a
 * person restarts it and counts up when its restart policy does: a container started again with its count not
 * higher than before was restarted by hand (a changed digest of everything else speaks for itself).
 */
export function sameLive(before: string, now: string): boolean {
  if (before.split(STARTS)[0] !== now.split(STARTS)[0]) return false;
  const [then, current] = [startsOf(before), startsOf(now)];
  if (!then || !current) return true;
  for (const [name, c] of current) {
    const t = then.get(name);
    if (t && c.startedAt !== t.startedAt && c.restarts <= t.restarts) return false;
  }
  return true;
}
