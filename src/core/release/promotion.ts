import { isScalar, parseAllDocuments } from 'yaml';
import { ShipgateError } from '../errors.js';
import type { PromotionRule } from '../environment/environment.js';
import type { PinnedImage, Provenance, ReleaseRecord, ReleaseSpec } from './release.js';
import { renderSpec, specDocuments, specText } from './spec-render.js';

// Promotion: a release of one environment made from what succeeded in another, with every image pinned to the exact
// image that ran there, and the gate an environment with a promotion rule holds its releases to.

/** Where one image reference sits in a spec's rendered documents, and what it names. */
export interface ImageSlot {
  /** Index of the YAML document. */
  doc: number;
  /** Path of the `image` field inside that document. */
  path: (string | number)[];
  /** A Compose service name, or `Kind/name/container` for Kubernetes. */
  resource: string;
  ref: string;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Kinds that only hold data: a key named `image` in them names nothing that runs. */
const DATA_KINDS = new Set(['ConfigMap', 'Secret']);

/**
 * Every image reference of a rendered spec: Compose services; in Kubernetes objects the containers of any pod spec
 * (named `Kind/name/container`, as the runtime records them) and every other `image` a controller may run (Argo's
 * singular `container`, Tekton's `steps`, any custom resource; named `Kind/name/<path>`), at any depth.
 */
export function imageSlots(spec: ReleaseSpec, rendered: string): ImageSlot[] {
  const docs = specDocuments(rendered);
  const slots: ImageSlot[] = [];
  if ('compose' in spec) {
    const services = isObject(docs[0]) && isObject(docs[0]['services']) ? docs[0]['services'] : {};
    for (const [name, service] of Object.entries(services)) {
      if (isObject(service) && typeof service['image'] === 'string')
        slots.push({ doc: 0, path: ['services', name, 'image'], resource: name, ref: service['image'] });
    }
    return slots;
  }
  docs.forEach((doc, index) => {
    if (!isObject(doc) || DATA_KINDS.has(String(doc['kind']))) return;
    const owner = `${String(doc['kind'])}/${String(isObject(doc['metadata']) ? doc['metadata']['name'] : '')}`;
    // Walked without recursion (no depth to hide behind); a node reached twice through a YAML alias is seen once.
    const seen = new Set<object>();
    const containers = new Set<object>();
    const stack: Array<{ node: unknown; path: (string | number)[] }> = [{ node: doc, path: [] }];
    while (stack.length > 0) {
      const { node, path } = stack.pop()!;
      if (typeof node !== 'object' || node === null || seen.has(node)) continue;
      seen.add(node);
      if (Array.isArray(node)) {
        for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], path: [...path, i] });
        continue;
      }
      const map = node as Obj;
      if (!containers.has(map) && typeof map['image'] === 'string')
        slots.push({ doc: index, path: [...path, 'image'], resource: `${owner}/${path.join('/')}`, ref: map['image'] });
      for (const field of ['initContainers', 'containers'] as const) {
        const list = map[field];
        if (!Array.isArray(list)) continue;
        list.forEach((c, i) => {
          if (!isObject(c) || typeof c['image'] !== 'string') return;
          containers.add(c);
          slots.push({ doc: index, path: [...path, field, i, 'image'], resource: `${owner}/${String(c['name'])}`, ref: c['image'] });
        });
      }
      // Labels and annotations are text about an object, never something it runs.
      const entries = Object.entries(map).filter(([key]) => key !== 'metadata');
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ node: entries[i]![1], path: [...path, entries[i]![0]] });
    }
  });
  return slots;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The repository of an image reference, without tag or digest (`registry:5000/shop/web:1.2` → `registry:5000/shop/web`). */
export function imageRepository(ref: string): string {
  const noDigest = ref.split('@')[0] ?? ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * The immutable reference an image ran as, from what the runtime recorded: a repository digest
 * (`web@sha256:…`) where there is one, else the local image id (`sha256:…`, Compose only). Null when nothing was
 * recorded for the resource.
 */
export function pinnedReference(slot: ImageSlot, runtimeState: Record<string, unknown> | null): string | null {
  const images = isObject(runtimeState?.['images']) ? runtimeState['images'] : {};
  const recorded = images[slot.resource];
  if (!isObject(recorded)) return slot.ref.includes('@sha256:') ? slot.ref : null;
  const repoDigest = recorded['repoDigest'];
  if (typeof repoDigest === 'string' && repoDigest.includes('@sha256:')) return `${imageRepository(slot.ref)}@${repoDigest.split('@')[1]}`;
  const digest = recorded['digest'];
  if (typeof digest === 'string' && DIGEST.test(digest)) return `${imageRepository(slot.ref)}@${digest}`;
  const id = recorded['id'];
  if (typeof id === 'string' && DIGEST.test(id)) return id;
  return null;
}

/**
 * The spec of a promotion: the upstream release's spec with each image replaced by the immutable reference it ran
 * as. Every other parameter reference stays, so the target environment gives its own values. An image that was not
 * recorded when it ran cannot be promoted (`INVALID_STATE`).
 */
export function promotedSpec(source: ReleaseRecord): { spec: ReleaseSpec; images: PinnedImage[] } {
  const slots = imageSlots(source.spec, source.renderedSpec);
  const images: PinnedImage[] = [];
  for (const slot of slots) {
    const pinned = pinnedReference(slot, source.runtimeState);
    if (!pinned) {
      throw new ShipgateError('INVALID_STATE', `the image of ${slot.resource} was not recorded when release ${source.id} ran`, {
        state: source.state,
      });
    }
    images.push({ resource: slot.resource, ref: slot.ref, pinned });
  }
  let pinned: ReleaseSpec;
  try {
    pinned = pinnedCopy(source.spec, slots, images);
    // What the pinned spec renders to (with the parameters it ran with) must run exactly the pinned images, in the
    // same places: a spec whose images sit behind an alias or whose documents a parameter shifted cannot be pinned.
    const again = imageSlots(pinned, renderSpec(pinned, source.parameters));
    const same =
      again.length === slots.length && again.every((slot, i) => slot.resource === slots[i]!.resource && slot.ref === images[i]!.pinned);
    if (!same) throw new Error('the pinned spec does not run the pinned images');
  } catch {
    throw new ShipgateError('INVALID_STATE', `the images of release ${source.id} cannot be pinned in its spec`, { state: source.state });
  }
  return { spec: pinned, images };
}

/** The spec with the image at each slot replaced by its pinned reference (slots and images in the same order). */
function pinnedCopy(spec: ReleaseSpec, slots: readonly ImageSlot[], images: readonly PinnedImage[]): ReleaseSpec {
  const docs = parseAllDocuments(specText(spec));
  if (!Array.isArray(docs)) return spec;
  // The documents `specDocuments` keeps: one that is empty or null is no document.
  const live = docs.filter((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null));
  slots.forEach((slot, i) => {
    const doc = live[slot.doc];
    if (!doc) throw new Error(`no document ${slot.doc}`);
    doc.setIn(slot.path, images[i]!.pinned);
  });
  const text = docs.map((d) => d.toString()).join('');
  return 'compose' in spec ? { compose: text } : { manifests: text };
}

/** Why a release may not go ahead under an environment's promotion rule, or null when it may. */
export function promotionProblem(
  rule: PromotionRule,
  release: Pick<ReleaseRecord, 'kind' | 'provenance' | 'spec' | 'renderedSpec' | 'application'>,
  upstream: { source: ReleaseRecord | null; current: ReleaseRecord | null },
  now: Date,
): string | null {
  // A rollback restores what already ran here; it is not a new release to be soaked upstream.
  if (release.kind === 'rollback') return null;
  const provenance: Provenance | null = release.provenance;
  if (!provenance || provenance.environment !== rule.from)
    return `releases here must be promotions from "${rule.from}" (POST /releases/{id}/promote on a succeeded release there)`;
  const { source, current } = upstream;
  if (!source || source.state !== 'succeeded' || source.application !== release.application)
    return `release ${provenance.releaseId} is no longer succeeded in "${rule.from}"`;
  if (current?.id !== source.id) return `release ${source.id} is no longer the current release of ${source.application} in "${rule.from}"`;
  const soakedAt = Date.parse(provenance.succeededAt) + rule.soakSeconds * 1000;
  if (now.getTime() < soakedAt)
    return `release ${source.id} must run in "${rule.from}" until ${new Date(soakedAt).toISOString()} (soak ${rule.soakSeconds}s)`;
  const pinned = new Set(provenance.images.map((i) => i.pinned));
  const changed = imageSlots(release.spec, release.renderedSpec).find((slot) => !pinned.has(slot.ref));
  if (changed) return `the image of ${changed.resource} is not the one that ran in "${rule.from}"`;
  return null;
}
