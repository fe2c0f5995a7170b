// A small kustomize for tests: renders a kustomization from its files, with the few features Shipgate's own manifests
// use (resources, namespace, labels, images, ConfigMap and Secret generators without name hashes). Anything else is
// refused by name, so that the manifests stay within what this renderer renders as kustomize does. Never part of
// the product.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

/** A Kubernetes object as rendered. */
export type RenderedObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string } & Record<string, any>;
} & Record<string, any>;

type Fields = Record<string, unknown>;

const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'labels',
  'images',
  'generatorOptions',
  'configMapGenerator',
  'secretGenerator',
]);

/** Kinds the API server serves cluster-scoped, which `namespace:` leaves alone (kustomize's own list, abridged). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'APIService',
]);

function fail(where: string, message: string): never {
  throw new Error(`kustomize-lite: ${where}: ${message}`);
}

function only(where: string, value: unknown, keys: readonly string[]): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(where, 'must be a map');
  for (const key of Object.keys(value)) if (!keys.includes(key)) fail(where, `"${key}" is not supported`);
  return value as Fields;
}

function strings(where: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(where, 'must be a list of strings');
  return value as string[];
}

function keyOf(o: RenderedObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The objects of a multi-document YAML file. */
function objectsOfFile(path: string): RenderedObject[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'), { uniqueKeys: true });
  if (!Array.isArray(docs)) return [];
  return docs.flatMap((doc, i) => {
    if (doc.errors.length > 0) fail(path, doc.errors[0]!.message);
    const o = doc.toJS() as RenderedObject | null;
    if (o === null) return [];
    const where = `${path}, document ${i + 1}`;
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string')
      fail(where, 'needs apiVersion, kind and metadata.name');
    if (o.kind.endsWith('List')) fail(where, `kind ${o.kind} is not supported`);
    return [o];
  });
}

/** `KEY=value` lines of an env file, as kustomize reads them (blank lines and `#` comments skipped, values verbatim). */
function envFile(path: string): Array<[string, string]> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'))
    .map((line) => {
      const at = line.indexOf('=');
      // kustomize would take a bare KEY's value from its own environment: never what a test wants.
      if (at <= 0) fail(path, `"${line.split('=')[0]}" has no value`);
      return [line.slice(0, at).trim(), line.slice(at + 1)];
    });
}

function literal(where: string, entry: string): [string, string] {
  const at = entry.indexOf('=');
  if (at <= 0) fail(where, `literal "${entry}" is not KEY=value`);
  return [entry.slice(0, at), entry.slice(at + 1)];
}

/** Applies one configMapGenerator or secretGenerator entry to the objects. */
function generate(dir: string, kind: 'ConfigMap' | 'Secret', value: unknown, objects: RenderedObject[]): void {
  const where = `${kind === 'Secret' ? 'secretGenerator' : 'configMapGenerator'} entry`;
  const entry = only(where, value, ['name', 'namespace', 'behavior', 'literals', 'envs', ...(kind === 'Secret' ? ['type'] : [])]);
  const name = entry['name'];
  if (typeof name !== 'string') fail(where, 'needs a name');
  const pairs = [
    ...strings(`${where} ${name}: literals`, entry['literals']).map((l) => literal(`${where} ${name}`, l)),
    ...strings(`${where} ${name}: envs`, entry['envs']).flatMap((file) => envFile(resolve(dir, file))),
  ];
  const encode = (v: string) => (kind === 'Secret' ? Buffer.from(v).toString('base64') : v);
  const data = Object.fromEntries(pairs.map(([k, v]) => [k, encode(v)]));
  const namespace = typeof entry['namespace'] === 'string' ? entry['namespace'] : undefined;
  const behavior = entry['behavior'] ?? 'create';
  const index = objects.findIndex(
    (o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace),
  );
  if (behavior === 'create') {
    if (index !== -1) fail(`${where} ${name}`, `${kind} ${name} exists already (behavior: merge or replace)`);
    objects.push({
      apiVersion: 'v1',
      kind,
      metadata: { name, ...(namespace ? { namespace } : {}) },
      ...(kind === 'Secret' ? { type: entry['type'] ?? 'Opaque' } : {}),
      data,
    });
    return;
  }
  if (behavior !== 'merge' && behavior !== 'replace') fail(`${where} ${name}`, `behavior "${String(behavior)}" is not supported`);
  if (index === -1) fail(`${where} ${name}`, `no ${kind} ${name} to ${behavior}`);
  const existing = objects[index]!;
  if (behavior === 'merge') {
    if (existing['stringData'] !== undefined) fail(`${where} ${name}`, 'merging into stringData is not supported');
    objects[index] = { ...existing, data: { ...(existing['data'] ?? {}), ...data } };
  } else {
    const { stringData: _stringData, ...rest } = existing;
    objects[index] = { ...rest, ...(kind === 'Secret' ? { type: entry['type'] ?? 'Opaque' } : {}), data };
  }
}

/** `repository[:tag][@digest]` split as kustomize's image transformer matches it. */
function imageParts(image: string): { repository: string; tag: string | null; digest: string | null } {
  const [named, digest] = image.split('@') as [string, string | undefined];
  const colon = named.lastIndexOf(':');
  const tagged = colon > named.lastIndexOf('/');
  return { repository: tagged ? named.slice(0, colon) : named, tag: tagged ? named.slice(colon + 1) : null, digest: digest ?? null };
}

/** Every container list of an object, wherever a pod spec keeps one. */
function containersOf(value: unknown, out: Fields[] = []): Fields[] {
  if (value === null || typeof value !== 'object') return out;
  if (Array.isArray(value)) {
    for (const v of value) containersOf(v, out);
    return out;
  }
  for (const [key, v] of Object.entries(value)) {
    if ((key === 'containers' || key === 'initContainers' || key === 'ephemeralContainers') && Array.isArray(v))
      out.push(...(v as Fields[]));
    else containersOf(v, out);
  }
  return out;
}

function setImages(value: unknown, objects: RenderedObject[]): void {
  for (const raw of Array.isArray(value) ? value : fail('images', 'must be a list')) {
    const rule = only('images entry', raw, ['name', 'newName', 'newTag', 'digest']);
    const name = String(rule['name']);
    for (const container of objects.flatMap((o) => containersOf(o))) {
      if (typeof container['image'] !== 'string') continue;
      const image = imageParts(container['image']);
      if (image.repository !== name) continue;
      const repository = typeof rule['newName'] === 'string' ? rule['newName'] : image.repository;
      if (typeof rule['digest'] === 'string') container['image'] = `${repository}@${rule['digest']}`;
      else if (rule['newTag'] !== undefined) container['image'] = `${repository}:${String(rule['newTag'])}`;
      else container['image'] = `${repository}${image.tag ? `:${image.tag}` : ''}${image.digest ? `@${image.digest}` : ''}`;
    }
  }
}

function setLabels(value: unknown, objects: RenderedObject[]): void {
  for (const raw of Array.isArray(value) ? value : fail('labels', 'must be a list')) {
    const entry = only('labels entry', raw, ['pairs', 'includeSelectors', 'includeTemplates']);
    // kustomize would also change selectors and pod templates: not supported, so refused.
    if (entry['includeSelectors'] === true || entry['includeTemplates'] === true) fail('labels', 'includeSelectors/includeTemplates');
    const pairs = entry['pairs'] as Fields;
    if (!pairs || typeof pairs !== 'object' || Object.values(pairs).some((v) => typeof v !== 'string')) fail('labels', 'pairs of strings');
    for (const o of objects) o.metadata = { ...o.metadata, labels: { ...(o.metadata['labels'] ?? {}), ...pairs } };
  }
}

function setNamespace(namespace: unknown, objects: RenderedObject[]): void {
  if (typeof namespace !== 'string') fail('namespace', 'must be a string');
  for (const o of objects) {
    if (CLUSTER_SCOPED.has(o.kind)) continue;
    // kustomize also rewrites the namespace of ServiceAccount subjects: not supported, so refused.
    if (o.kind === 'RoleBinding') fail('namespace', `RoleBinding ${o.metadata.name}: subjects are not rewritten`);
    o.metadata = { ...o.metadata, namespace };
  }
}

/** The one YAML document of a kustomization file. */
function kustomizationOf(path: string): unknown {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'), { uniqueKeys: true });
  if (!Array.isArray(docs) || docs.length !== 1) return fail(path, 'must hold one YAML document');
  if (docs[0]!.errors.length > 0) fail(path, docs[0]!.errors[0]!.message);
  return docs[0]!.toJS();
}

function kustomizationFile(dir: string): string {
  for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  return fail(dir, 'has no kustomization.yaml');
}

/**
 * The objects `kubectl kustomize <dir>` renders, for the features this renderer has; any other is an error that names it.
 * @example kustomize('deploy/kubernetes/base').map((o) => o.kind)
 */
export function kustomize(dir: string): RenderedObject[] {
  const file = kustomizationFile(dir);
  const k = only(file, kustomizationOf(file), [...SUPPORTED]);
  if (k['kind'] !== undefined && k['kind'] !== 'Kustomization') fail(file, `kind ${String(k['kind'])} is not supported`);
  const objects: RenderedObject[] = [];
  for (const resource of strings(`${file}: resources`, k['resources'])) {
    if (/^[a-z]+:\/\/|^github\.com\//.test(resource)) fail(file, `remote resource ${resource} is not supported`);
    const path = resolve(dir, resource);
    objects.push(...(statSync(path).isDirectory() ? kustomize(path) : objectsOfFile(path)));
  }
  const generators = [
    ...((k['configMapGenerator'] as unknown[] | undefined) ?? []),
    ...((k['secretGenerator'] as unknown[] | undefined) ?? []),
  ];
  if (generators.length > 0) {
    // Hashed names would need kustomize's hash and the rewriting of every reference: not supported, so refused.
    const options = only(`${file}: generatorOptions`, k['generatorOptions'] ?? {}, ['disableNameSuffixHash']);
    if (options['disableNameSuffixHash'] !== true) fail(file, 'generators need generatorOptions.disableNameSuffixHash: true');
  }
  for (const entry of (k['configMapGenerator'] as unknown[] | undefined) ?? []) generate(dir, 'ConfigMap', entry, objects);
  for (const entry of (k['secretGenerator'] as unknown[] | undefined) ?? []) generate(dir, 'Secret', entry, objects);
  if (k['namespace'] !== undefined) setNamespace(k['namespace'], objects);
  if (k['labels'] !== undefined) setLabels(k['labels'], objects);
  if (k['images'] !== undefined) setImages(k['images'], objects);
  const seen = new Set<string>();
  for (const o of objects) {
    if (seen.has(keyOf(o))) fail(file, `${keyOf(o)} appears twice`);
    seen.add(keyOf(o));
  }
  return objects;
}

/** Rendered objects as one multi-document YAML text, as a release's `spec.manifests` takes it. */
export function manifestsOf(objects: readonly RenderedObject[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}
