import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../core/canonical-json.js';
import { sha256Digest } from '../../../core/digest.js';
import { ShipgateError, type FieldError } from '../../../core/errors.js';
import { specDocuments } from '../../../core/release/spec-render.js';
import { MASK } from '../../../core/secrets/secret-masking.js';
import type { DeployTarget } from '../../../ports/runtime-driver.js';
import type { KubeObject } from './kube-client.js';

/** Labels on every object Shipgate applies, so it knows what it owns and can prune what a release drops. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  application: 'shipgate.io/application',
  environment: 'shipgate.io/environment',
} as const;

/** The kinds Shipgate lists to find what it owns (and prunes), in apply order: config before workloads. */
export const OWNED_KINDS: ReadonlyArray<{ apiVersion: string; kind: string }> = [
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { apiVersion: 'batch/v1', kind: 'Job' },
];

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);

/** Where an object goes in the apply order (unknown kinds between config and workloads). */
export function applyRank(kind: string): number {
  const i = OWNED_KINDS.findIndex((k) => k.kind === kind);
  if (i === -1) return OWNED_KINDS.findIndex((k) => k.kind === 'Deployment') - 0.5;
  return i;
}

export function objectKey(o: { kind?: string; metadata?: { name?: string } }): string {
  return `${o.kind}/${o.metadata?.name}`;
}

export function ownerSelector(target: DeployTarget): string {
  return `${LABELS.managedBy}=shipgate,${LABELS.application}=${target.application},${LABELS.environment}=${target.environment}`;
}

export function namespaceOf(target: DeployTarget): string {
  if (!('namespace' in target.target)) throw new Error('a kubernetes environment needs target.namespace');
  return target.target.namespace;
}

/** `apiVersion/kind`: how API discovery names a type. */
export function typeKey(o: { apiVersion?: string; kind?: string }): string {
  return `${o.apiVersion}/${o.kind}`;
}

/**
 * The objects of a rendered manifest set, placed in the target namespace (cluster-scoped types, as API discovery
 * named them in `clusterScoped`, keep none) and labelled with their owner, in apply order. Objects for another
 * namespace, duplicates and objects without apiVersion, kind or name are `VALIDATION_FAILED`; whether a
 * cluster-scoped object may be applied is the runtime policy's call.
 */
export function manifestObjects(rendered: string, target: DeployTarget, clusterScoped: ReadonlySet<string> = new Set()): KubeObject[] {
  const namespace = namespaceOf(target);
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const objects: KubeObject[] = [];
  specDocuments(rendered).forEach((doc, i) => {
    const o = doc as KubeObject;
    const where = `document ${i + 1}`;
    if (!o || typeof o !== 'object' || Array.isArray(o))
      return errors.push({ path: '/spec/manifests', message: `${where} is not an object` });
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      return errors.push({ path: '/spec/manifests', message: `${where} needs apiVersion, kind and metadata.name` });
    }
    const cluster = clusterScoped.has(typeKey(o));
    if (!cluster && o.metadata.namespace && o.metadata.namespace !== namespace) {
      return errors.push({
        path: '/spec/manifests',
        message: `${o.kind}/${o.metadata.name} names namespace "${o.metadata.namespace}", not the environment's "${namespace}"`,
      });
    }
    const key = objectKey(o);
    if (seen.has(key)) return errors.push({ path: '/spec/manifests', message: `${key} appears twice` });
    seen.add(key);
    objects.push({
      ...o,
      metadata: {
        ...o.metadata,
        namespace: cluster ? undefined : namespace,
        labels: {
          ...(o.metadata.labels ?? {}),
          [LABELS.managedBy]: 'shipgate',
          [LABELS.application]: target.application,
          [LABELS.environment]: target.environment,
        },
      },
    });
  });
  if (errors.length > 0) throw new ShipgateError('VALIDATION_FAILED', errors.map((e) => e.message).join('; '), { errors });
  return objects.sort((a, b) => applyRank(a.kind!) - applyRank(b.kind!));
}

const NOISY_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision'];

/**
 * An object without the fields the server owns (managedFields, resourceVersion, uid, timestamps, generation, status),
 * with Secret values replaced by a fingerprint so that equal secrets compare equal without being shown.
 */
export function comparable(o: KubeObject, namespace: string): KubeObject {
  const { status: _status, ...rest } = o;
  const metadata = { ...(rest.metadata ?? {}) } as Record<string, any>;
  for (const k of [
    'managedFields',
    'resourceVersion',
    'uid',
    'creationTimestamp',
    'generation',
    'selfLink',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'ownerReferences',
  ])
    delete metadata[k];
  if (metadata['annotations']) {
    const annotations = { ...metadata['annotations'] };
    for (const a of NOISY_ANNOTATIONS) delete annotations[a];
    if (Object.keys(annotations).length === 0) delete metadata['annotations'];
    else metadata['annotations'] = annotations;
  }
  const out: KubeObject = { ...rest, metadata };
  if (o.kind === 'Secret') {
    const data: Record<string, string> = { ...(o['data'] ?? {}) };
    for (const [k, v] of Object.entries((o['stringData'] ?? {}) as Record<string, string>)) data[k] = Buffer.from(v).toString('base64');
    delete out['stringData'];
    out['data'] = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [
        k,
        `${MASK}:${createHash('sha256').update(`${namespace}\u0000${o.metadata?.name}\u0000${k}\u0000${v}`).digest('hex').slice(0, 12)}`,
      ]),
    );
  }
  return out;
}

/** A comparable object for display: Secret fingerprints shown as the mask, marked when they differ from `other`. */
export function displayObject(o: KubeObject | null, other: KubeObject | null): KubeObject | null {
  if (!o || o.kind !== 'Secret') return o;
  const otherData = (other?.['data'] ?? {}) as Record<string, string>;
  const data = Object.fromEntries(
    Object.entries((o['data'] ?? {}) as Record<string, string>).map(([k, v]) => [
      k,
      other && otherData[k] !== undefined && otherData[k] !== v ? `${MASK} (changed)` : MASK,
    ]),
  );
  return { ...o, data };
}

/**
 * What an object asks for, as people and tools write it: everything but its status and the metadata the API server
 * keeps for itself (resourceVersion, managedFields, timestamps). Controllers reporting status do not change it; an edit
 * of the spec, data, labels or annotations does.
 */
function desiredContent(o: KubeObject): unknown {
  const { status: _status, metadata, ...rest } = o as KubeObject & { status?: unknown };
  const m = metadata ?? {};
  return {
    ...rest,
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, labels: m.labels ?? {}, annotations: m.annotations ?? {} },
  };
}

/**
 * A digest of what Shipgate owns for the target: each owned object's identity and content (see {@link desiredContent}).
 * An object edited, replaced or deleted behind Shipgate's back changes it; a rollout's status updates (a crash-looping
 * workload's among them) do not, so that a rollback of a failing release stays appliable.
 */
export function liveDigestOf(owned: readonly KubeObject[]): string {
  const facts = owned
    .map((o) => [objectKey(o), sha256Digest(canonicalJson(desiredContent(o)))])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return sha256Digest(canonicalJson(facts));
}

/**
 * Refuses to touch a live object that Shipgate labelled for another environment or application: that would reach
 * another environment's workload without its gates. Objects Shipgate never labelled may be adopted.
 */
export function checkOwnership(live: KubeObject | null, target: DeployTarget): void {
  const labels = live?.metadata?.labels ?? {};
  const env = labels[LABELS.environment];
  const app = labels[LABELS.application];
  if ((env !== undefined && env !== target.environment) || (app !== undefined && app !== target.application)) {
    throw new ShipgateError(
      'TARGET_IN_USE',
      `${objectKey(live!)} belongs to another environment or application; Shipgate will not change it`,
    );
  }
}

export function sameObject(a: KubeObject, b: KubeObject): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
