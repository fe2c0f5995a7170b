// A test-only Kubernetes API-server simulator, served over real HTTP so that the real @kubernetes/client-node code
// paths run against it: discovery, GET/LIST, server-side apply PATCH (application/apply-patch+yaml with dryRun,
// fieldManager and force), DELETE, events, pods and pod logs, resourceVersion and generation semantics, and the
// Status error bodies the API server writes (404 NotFound, 409 Conflict, 422 Invalid). It plays the controllers just
// enough: Deployments, StatefulSets and DaemonSets roll out over a few ticks creating pods, Jobs run to completion,
// and images tagged to fail produce CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError or a progress
// deadline. A test may install an admission controller that refuses objects. Never part of the product.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';

type Obj = Record<string, any>;

interface ResourceType {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

const TYPES: ResourceType[] = [
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  { group: '', version: 'v1', resource: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true },
];

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
const apiVersionOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Status bodies as the API server writes them. */
function status(code: number, reason: string, message: string, details: Obj = {}): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

class HttpError extends Error {
  constructor(readonly body: Obj) {
    super(body['message'] as string);
  }
}

/** The tagged image each simulated digest was resolved from. */
const RESOLVED = new Map<string, string>();

/** How many controller ticks a `flaky` container runs healthy before it starts crashing. */
const FLAKY_HEALTHY_TICKS = 15;

/** The simulated behaviour of a container image, by tag suffix. */
function imageBehaviour(reference: string): 'ok' | 'crashloop' | 'pullbackoff' | 'configerror' | 'slow' | 'fail' | 'oom' | 'flaky' {
  // An image pinned by digest behaves as the tagged image the digest was resolved from.
  const image = reference.includes('@sha256:') ? (RESOLVED.get(reference.split('@')[1]!) ?? reference) : reference;
  if (/:crashloop$/.test(image)) return 'crashloop';
  if (/:flaky$/.test(image)) return 'flaky';
  if (/:(missing|pullbackoff)$/.test(image)) return 'pullbackoff';
  if (/:configerror$/.test(image)) return 'configerror';
  if (/:slow$/.test(image)) return 'slow';
  if (/:fail$/.test(image)) return 'fail';
  if (/:oom$/.test(image)) return 'oom';
  return 'ok';
}

export interface KubeSimulatorOptions {
  /** Milliseconds between controller ticks. */
  tickMs?: number;
  /** A bearer token every request must carry (like a real API server's authn). */
  token?: string;
}

export class KubeApiSimulator {
  private readonly objects = new Map<string, Obj>();
  private readonly logs = new Map<string, { current: string[]; previous: string[] }>();
  /** Controller bookkeeping kept off the objects, by uid. */
  private readonly rolloutStart = new Map<string, number>();
  private podsByOwner: Map<string, Obj[]> | null = null;
  private readonly podTicks = new Map<string, number>();
  private readonly watchers = new Set<{
    kind: string;
    namespace: string | undefined;
    selector: Array<[string, '=' | '!=', string]>;
    fields: Array<[string, '=' | '!=', string]>;
    send: (type: string, o: Obj) => void;
  }>();
  private rv = 1000;
  private server: Server | null = null;
  /**
   * An admission controller a test installs (a quota, a policy webhook): the refusal of an object, or null to let it
   * through. It sees dry runs too, and may treat them differently, as webhooks with side effects do.
   */
  admission: ((object: Obj, options: { dryRun: boolean }) => { code: number; reason: string; message: string } | null) | null = null;
  private timer: NodeJS.Timeout | null = null;
  readonly requests: Array<{ method: string; path: string }> = [];
  /** How many TCP connections clients opened. */
  connections = 0;
  url = '';

  constructor(private readonly options: KubeSimulatorOptions = {}) {
    this.put(this.stamp({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }));
  }

  /** Creates a namespace (tests set up their own). */
  addNamespace(name: string): void {
    this.put(this.stamp({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' } }));
  }

  /** The stored object, as a test inspects it. */
  get(kind: string, namespace: string, name: string): Obj | undefined {
    const type = TYPES.find((t) => t.kind === kind)!;
    return this.objects.get(this.key(type, namespace, name));
  }

  /** Every stored object of a kind in a namespace, as a test inspects them. */
  objectsOf(kind: string, namespace: string): Obj[] {
    return [...this.objects.values()].filter((o) => o['kind'] === kind && o['metadata']?.['namespace'] === namespace);
  }

  /** Changes an object behind Shipgate's back, as `kubectl edit` would (bumping its resourceVersion). */
  edit(kind: string, namespace: string, name: string, change: (o: Obj) => void): void {
    const o = this.get(kind, namespace, name);
    if (!o) throw new Error(`no ${kind} ${namespace}/${name}`);
    change(o);
    this.touch(o);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 100);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A kubeconfig (as client-node's loadFromOptions takes it) that points at this simulator. */
  kubeconfig(): Obj {
    return {
      clusters: [{ name: 'sim', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'shipgate', token: this.options.token ?? 'sim-token' }],
      contexts: [{ name: 'sim', cluster: 'sim', user: 'shipgate' }],
      currentContext: 'sim',
    };
  }

  // ---- storage -------------------------------------------------------------------------------------------------

  private key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${type.kind}/${type.namespaced ? namespace : ''}/${name}`;
  }

  private typeOfObject(o: Obj): ResourceType | undefined {
    return TYPES.find((t) => t.kind === o['kind'] && apiVersionOf(t) === o['apiVersion']);
  }

  private put(o: Obj): void {
    const type = this.typeOfObject(o)!;
    const key = this.key(type, o['metadata']['namespace'], o['metadata']['name']);
    const added = !this.objects.has(key);
    this.objects.set(key, o);
    if (o['kind'] === 'Pod') this.podsByOwner = null;
    this.notify(added ? 'ADDED' : 'MODIFIED', o);
  }

  private drop(o: Obj): void {
    const type = this.typeOfObject(o)!;
    if (this.objects.delete(this.key(type, o['metadata']['namespace'], o['metadata']['name']))) {
      if (o['kind'] === 'Pod') this.podsByOwner = null;
      this.notify('DELETED', o);
    }
  }

  /** Tells every matching watch of a change, as a watch event. */
  private notify(type: string, o: Obj): void {
    for (const w of this.watchers) {
      if (w.kind !== o['kind'] || (w.namespace && w.namespace !== o['metadata']['namespace'])) continue;
      if (!w.selector.every(([k, op, v]) => matches(o['metadata']['labels']?.[k], op, v))) continue;
      if (!w.fields.every(([k, op, v]) => matches(fieldValue(o, k), op, v))) continue;
      w.send(type, o);
    }
  }

  private stamp(o: Obj): Obj {
    o['metadata'] = {
      ...o['metadata'],
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString(),
      resourceVersion: String(++this.rv),
    };
    return o;
  }

  private touch(o: Obj): void {
    o['metadata']['resourceVersion'] = String(++this.rv);
    this.notify('MODIFIED', o);
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search });
    const send = (code: number, body: unknown, type = 'application/json') => {
      res.writeHead(code, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    try {
      if (this.options.token && req.headers.authorization !== `Bearer ${this.options.token}`) {
        throw new HttpError(status(401, 'Unauthorized', 'Unauthorized'));
      }
      const body = await new Promise<string>((resolve) => {
        let data = '';
        req.on('data', (c: Buffer) => (data += c));
        req.on('end', () => resolve(data));
      });
      const watch = url.searchParams.get('watch');
      if (req.method === 'GET' && (watch === 'true' || watch === '1')) return this.watch(url, res);
      const result = this.route(req.method ?? 'GET', url, req.headers['content-type'] ?? '', body);
      if (typeof result === 'string') send(200, result, 'text/plain');
      else send(result.code ?? 200, result.body);
    } catch (error) {
      if (error instanceof HttpError) send(error.body['code'] as number, error.body);
      else send(500, status(500, 'InternalError', String(error)));
    }
  }

  private route(method: string, url: URL, contentType: string, body: string): { code?: number; body: unknown } | string {
    const path = url.pathname.replace(/\/$/, '');
    if (path === '/api') return { body: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] } };
    if (path === '/apis') {
      const groups = [...new Set(TYPES.filter((t) => t.group).map((t) => t.group))];
      return {
        body: {
          kind: 'APIGroupList',
          apiVersion: 'v1',
          groups: groups.map((g) => ({
            name: g,
            versions: [{ groupVersion: `${g}/v1`, version: 'v1' }],
            preferredVersion: { groupVersion: `${g}/v1`, version: 'v1' },
          })),
        },
      };
    }
    if (path === '/version') return { body: { major: '1', minor: '31', gitVersion: 'v1.31.0-shipgate-sim' } };
    const discovery = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (discovery) {
      const group = discovery[2] ?? '';
      const version = discovery[1] ?? discovery[3]!;
      const resources = TYPES.filter((t) => t.group === group && t.version === version);
      if (resources.length === 0) throw new HttpError(status(404, 'NotFound', 'the server could not find the requested resource'));
      return {
        body: {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: group ? `${group}/${version}` : version,
          resources: resources.map((t) => ({
            name: t.resource,
            singularName: t.kind.toLowerCase(),
            namespaced: t.namespaced,
            kind: t.kind,
            verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
          })),
        },
      };
    }
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/(log))?$/.exec(path);
    if (!m) throw new HttpError(status(404, 'NotFound', 'the server could not find the requested resource'));
    const group = m[2] ?? '';
    const version = m[1] ?? m[3]!;
    let namespace = m[4];
    let resource = m[5]!;
    let name = m[6];
    // /api/v1/namespaces/{name} addresses a namespace itself.
    if (namespace && !name && resource !== 'namespaces' && !TYPES.some((t) => t.resource === resource && t.group === group)) {
      throw new HttpError(status(404, 'NotFound', 'the server could not find the requested resource'));
    }
    if (!m[4] && resource === 'namespaces' && name) namespace = undefined;
    if (m[4] && !m[5]) {
      resource = 'namespaces';
      name = m[4];
    }
    const type = TYPES.find((t) => t.group === group && t.version === version && t.resource === resource);
    if (!type) throw new HttpError(status(404, 'NotFound', `the server could not find the requested resource (${resource})`));
    if (type.namespaced && namespace && !this.objects.has(this.key(TYPES[0]!, undefined, namespace))) {
      if (method === 'PATCH')
        throw new HttpError(status(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' }));
    }
    if (m[7] === 'log') return this.podLog(namespace!, name!, url.searchParams);
    switch (method) {
      case 'GET':
        return name ? { body: this.read(type, namespace, name) } : { body: this.list(type, namespace, url.searchParams) };
      case 'PATCH':
        return this.apply(type, namespace, name!, contentType, body, url.searchParams);
      case 'DELETE':
        return { body: this.remove(type, namespace, name!, url.searchParams) };
      default:
        throw new HttpError(status(405, 'MethodNotAllowed', `${method} is not simulated`));
    }
  }

  /**
   * A watch: a chunked stream of `{"type","object"}` lines. Without a resourceVersion it starts with an ADDED event
   * for every existing object (as the API server does), then every change until timeoutSeconds or the client goes.
   */
  private watch(url: URL, res: ServerResponse): void {
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)$/.exec(url.pathname);
    const type = m && TYPES.find((t) => t.group === (m[2] ?? '') && t.version === (m[1] ?? m[3]) && t.resource === m[5]);
    if (!m || !type) throw new HttpError(status(404, 'NotFound', 'the server could not find the requested resource'));
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const send = (eventType: string, o: Obj) => res.write(`${JSON.stringify({ type: eventType, object: clone(o) })}\n`);
    const watcher = {
      kind: type.kind,
      namespace: m[4],
      selector: parseSelector(url.searchParams.get('labelSelector') ?? ''),
      fields: parseSelector(url.searchParams.get('fieldSelector') ?? ''),
      send,
    };
    if (!url.searchParams.get('resourceVersion')) {
      for (const o of this.list(type, m[4], url.searchParams)['items'] as Obj[]) send('ADDED', o);
    }
    this.watchers.add(watcher);
    const end = () => {
      this.watchers.delete(watcher);
      res.end();
    };
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    if (timeout > 0) setTimeout(end, timeout * 1000).unref();
    res.on('close', () => this.watchers.delete(watcher));
  }

  private read(type: ResourceType, namespace: string | undefined, name: string): Obj {
    const o = this.objects.get(this.key(type, namespace, name));
    if (!o)
      throw new HttpError(
        status(404, 'NotFound', `${type.resource}${type.group ? `.${type.group}` : ''} "${name}" not found`, {
          name,
          group: type.group,
          kind: type.resource,
        }),
      );
    return clone(o);
  }

  private list(type: ResourceType, namespace: string | undefined, query: URLSearchParams): Obj {
    const selector = parseSelector(query.get('labelSelector') ?? '');
    const fields = parseSelector(query.get('fieldSelector') ?? '');
    const items = [...this.objects.values()]
      .filter((o) => o['kind'] === type.kind && (!type.namespaced || !namespace || o['metadata']['namespace'] === namespace))
      .filter((o) => selector.every(([k, op, v]) => matches(o['metadata']['labels']?.[k], op, v)))
      .filter((o) => fields.every(([k, op, v]) => matches(fieldValue(o, k), op, v)))
      .map(clone);
    return { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(this.rv) }, items };
  }

  private remove(type: ResourceType, namespace: string | undefined, name: string, query: URLSearchParams): Obj {
    const key = this.key(type, namespace, name);
    const o = this.objects.get(key);
    if (!o) throw new HttpError(status(404, 'NotFound', `${type.resource} "${name}" not found`, { name, kind: type.resource }));
    if (query.get('dryRun') !== 'All') {
      const pods = WORKLOADS.has(type.kind) ? this.podsOf(o) : [];
      this.drop(o);
      for (const pod of pods) this.drop(pod);
    }
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, kind: type.resource, uid: o['metadata']['uid'] },
    };
  }

  /** Server-side apply: the applied configuration becomes the fields this manager owns. */
  private apply(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string,
    body: string,
    query: URLSearchParams,
  ): { code: number; body: Obj } {
    if (!contentType.startsWith('application/apply-patch+yaml')) {
      throw new HttpError(
        status(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, ` +
            `application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
        ),
      );
    }
    const manager = query.get('fieldManager');
    if (!manager)
      throw new HttpError(
        status(422, 'Invalid', `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`, {
          kind: 'PatchOptions',
          causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }],
        }),
      );
    let applied: Obj;
    try {
      applied = parseYaml(body) as Obj;
    } catch (error) {
      throw new HttpError(status(400, 'BadRequest', `error decoding YAML: ${(error as Error).message}`));
    }
    if (!applied || applied['kind'] !== type.kind || applied['apiVersion'] !== apiVersionOf(type)) {
      throw new HttpError(
        status(
          400,
          'BadRequest',
          `the kind or apiVersion of the body (${applied?.['apiVersion']}/${applied?.['kind']}) does not match the URL ` +
            `(${apiVersionOf(type)}/${type.kind})`,
        ),
      );
    }
    const meta = (applied['metadata'] ??= {});
    if (meta['name'] !== name)
      throw new HttpError(
        status(400, 'BadRequest', `the name of the object (${meta['name']}) does not match the name on the URL (${name})`),
      );
    if (type.namespaced) {
      if (meta['namespace'] && meta['namespace'] !== namespace)
        throw new HttpError(
          status(400, 'BadRequest', `the namespace of the provided object does not match the namespace sent on the request`),
        );
      meta['namespace'] = namespace;
    }
    this.validate(type, applied);
    const refusal = this.admission?.(clone(applied), { dryRun: query.get('dryRun') === 'All' });
    if (refusal)
      throw new HttpError(status(refusal.code, refusal.reason, refusal.message, { name, group: type.group, kind: type.resource }));
    const key = this.key(type, namespace, name);
    const existing = this.objects.get(key);
    const dryRun = query.get('dryRun') === 'All';
    const owner = existing?.['metadata']?.['managedFields']?.[0]?.['manager'];
    if (owner && owner !== manager && query.get('force') !== 'true') {
      throw new HttpError(
        status(409, 'Conflict', `Apply failed with 1 conflict: conflict with "${owner}": .spec`, {
          name,
          group: type.group,
          kind: type.resource,
          causes: [{ reason: 'FieldManagerConflict', message: `conflict with "${owner}"`, field: '.spec' }],
        }),
      );
    }
    const next = existing
      ? clone(existing)
      : { apiVersion: applied['apiVersion'], kind: applied['kind'], metadata: { name, ...(type.namespaced ? { namespace } : {}) } };
    // The fields this manager applied replace what it applied before; server-owned fields stay.
    for (const [k, v] of Object.entries(applied)) if (k !== 'metadata' && k !== 'status') next[k] = clone(v);
    for (const k of ['labels', 'annotations'] as const) {
      if (applied['metadata'][k] !== undefined || next['metadata'][k] !== undefined)
        next['metadata'][k] = clone(applied['metadata'][k] ?? {});
    }
    // Fields the server owns (another field manager) survive an apply that does not mention them.
    if (type.kind === 'Service' && existing?.['spec']?.['clusterIP'] && next['spec'])
      next['spec']['clusterIP'] = existing['spec']['clusterIP'];
    this.defaults(next);
    const specChanged =
      !existing ||
      JSON.stringify(existing['spec'] ?? null) !== JSON.stringify(next['spec'] ?? null) ||
      JSON.stringify(existing['data'] ?? null) !== JSON.stringify(next['data'] ?? null);
    const metaChanged =
      !existing ||
      JSON.stringify(existing['metadata']['labels'] ?? {}) !== JSON.stringify(next['metadata']['labels'] ?? {}) ||
      JSON.stringify(existing['metadata']['annotations'] ?? {}) !== JSON.stringify(next['metadata']['annotations'] ?? {});
    next['metadata']['managedFields'] = [
      {
        manager,
        operation: 'Apply',
        apiVersion: applied['apiVersion'],
        time: new Date().toISOString(),
        fieldsType: 'FieldsV1',
        fieldsV1: {},
      },
    ];
    if (!existing) {
      next['metadata']['uid'] = dryRun ? randomUUID() : randomUUID();
      next['metadata']['creationTimestamp'] = new Date().toISOString();
      next['metadata']['generation'] = 1;
      if (type.kind === 'Service') next['spec']['clusterIP'] = `10.96.${(this.rv >> 8) & 255}.${this.rv & 255}`;
    } else if (specChanged) {
      next['metadata']['generation'] = (existing['metadata']['generation'] ?? 1) + 1;
    }
    if (dryRun) {
      if (!existing || specChanged || metaChanged) next['metadata']['resourceVersion'] = existing?.['metadata']['resourceVersion'] ?? '';
      return { code: existing ? 200 : 201, body: next };
    }
    if (!existing || specChanged || metaChanged) {
      next['metadata']['resourceVersion'] = String(++this.rv);
      this.put(next);
    }
    return { code: existing ? 200 : 201, body: clone(this.objects.get(key)!) };
  }

  /** The validation the API server would do for the fields that matter here (422 Invalid with causes). */
  private validate(type: ResourceType, o: Obj): void {
    const causes: Obj[] = [];
    const name = o['metadata']['name'] as string;
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name ?? ''))
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
        field: 'metadata.name',
      });
    if (WORKLOADS.has(type.kind)) {
      const template = o['spec']?.['template'];
      const containers = template?.['spec']?.['containers'];
      if (!Array.isArray(containers) || containers.length === 0)
        causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers' });
      for (const [i, c] of (containers ?? []).entries()) {
        if (!c?.['image'])
          causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `spec.template.spec.containers[${i}].image` });
        if (!c?.['name'])
          causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `spec.template.spec.containers[${i}].name` });
      }
      if (type.kind !== 'Job') {
        const selector = o['spec']?.['selector']?.['matchLabels'];
        if (!selector) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' });
        else if (!Object.entries(selector).every(([k, v]) => template?.['metadata']?.['labels']?.[k] === v)) {
          causes.push({
            reason: 'FieldValueInvalid',
            message: 'Invalid value: map[string]string{...}: `selector` does not match template `labels`',
            field: 'spec.template.metadata.labels',
          });
        }
      }
    }
    if (causes.length > 0) {
      const group = TYPES.find((t) => t.kind === type.kind)!.group;
      throw new HttpError(
        status(
          422,
          'Invalid',
          `${type.kind}.${group || 'core'} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
          { name, group, kind: type.kind, causes },
        ),
      );
    }
  }

  private defaults(o: Obj): void {
    if (o['kind'] === 'Secret') {
      const data = { ...(o['data'] ?? {}) };
      for (const [k, v] of Object.entries(o['stringData'] ?? {})) data[k] = Buffer.from(String(v)).toString('base64');
      delete o['stringData'];
      o['data'] = data;
      o['type'] ??= 'Opaque';
    }
    if (['Deployment', 'StatefulSet'].includes(o['kind'])) {
      o['spec']['replicas'] ??= 1;
      o['spec']['revisionHistoryLimit'] ??= 10;
    }
    if (o['kind'] === 'Deployment') {
      o['spec']['progressDeadlineSeconds'] ??= 600;
      o['spec']['strategy'] ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
    }
    if (o['kind'] === 'Job') o['spec']['backoffLimit'] ??= 6;
    if (o['kind'] === 'Service') o['spec']['type'] ??= 'ClusterIP';
  }

  // ---- controllers ---------------------------------------------------------------------------------------------

  private podsOf(workload: Obj): Obj[] {
    // Pods by their owner's uid, rebuilt after a pod comes or goes: a tick looks up every workload's pods.
    if (this.podsByOwner === null) {
      this.podsByOwner = new Map();
      for (const p of this.objects.values()) {
        const owner = p['kind'] === 'Pod' ? p['metadata']['ownerReferences']?.[0]?.['uid'] : undefined;
        if (owner !== undefined) this.podsByOwner.set(owner, [...(this.podsByOwner.get(owner) ?? []), p]);
      }
    }
    return (this.podsByOwner.get(workload['metadata']['uid']) ?? []).filter(
      (p) => p['metadata']['namespace'] === workload['metadata']['namespace'],
    );
  }

  private event(involved: Obj, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const ns = involved['metadata']['namespace'];
    const existing = [...this.objects.values()].find(
      (e) => e['kind'] === 'Event' && e['involvedObject']?.['uid'] === involved['metadata']['uid'] && e['reason'] === reason,
    );
    if (existing) {
      existing['count'] = (existing['count'] ?? 1) + 1;
      existing['lastTimestamp'] = new Date().toISOString();
      this.touch(existing);
      return;
    }
    this.put(
      this.stamp({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${involved['metadata']['name']}.${(this.rv + 1).toString(16)}`, namespace: ns },
        involvedObject: {
          kind: involved['kind'],
          name: involved['metadata']['name'],
          namespace: ns,
          uid: involved['metadata']['uid'],
          apiVersion: involved['apiVersion'],
        },
        type,
        reason,
        message,
        count: 1,
        firstTimestamp: new Date().toISOString(),
        lastTimestamp: new Date().toISOString(),
        source: { component: 'shipgate-sim' },
      }),
    );
  }

  private tick(): void {
    for (const o of [...this.objects.values()]) {
      if (!WORKLOADS.has(o['kind'])) continue;
      try {
        this.reconcile(o);
      } catch {
        // A broken object must not stop the other controllers.
      }
    }
    for (const pod of [...this.objects.values()].filter((p) => p['kind'] === 'Pod')) this.runPod(pod);
  }

  private templateHash(o: Obj): string {
    return createHash('sha256').update(JSON.stringify(o['spec']['template'])).digest('hex').slice(0, 10);
  }

  private reconcile(o: Obj): void {
    const hash = this.templateHash(o);
    const desired = o['kind'] === 'DaemonSet' || o['kind'] === 'Job' ? 1 : (o['spec']['replicas'] as number);
    const pods = this.podsOf(o);
    const current = pods.filter((p) => p['metadata']['labels']['pod-template-hash'] === hash);
    const generation = o['metadata']['generation'] ?? 1;
    const started = o['status']?.['observedGeneration'] !== generation;
    if (started) {
      o['status'] = { ...(o['status'] ?? {}), observedGeneration: generation };
      o['metadata']['annotations'] = { ...(o['metadata']['annotations'] ?? {}) };
      this.rolloutStart.set(o['metadata']['uid'], Date.now());
      if (o['kind'] === 'Deployment')
        this.event(o, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${o['metadata']['name']}-${hash} to ${desired}`);
    }
    if (current.length < desired && !(o['kind'] === 'Job' && (o['status']?.['succeeded'] || o['status']?.['failed']))) {
      for (let i = current.length; i < desired; i++) this.createPod(o, hash, i);
    }
    const fresh = this.podsOf(o).filter((p) => p['metadata']['labels']['pod-template-hash'] === hash);
    const ready = fresh.filter((p) => p['status']?.['conditions']?.some((c: Obj) => c['type'] === 'Ready' && c['status'] === 'True'));
    // Old pods go once the new ones are ready (a rolling update).
    if (ready.length >= desired) {
      for (const p of this.podsOf(o).filter((x) => x['metadata']['labels']['pod-template-hash'] !== hash)) this.drop(p);
    }
    const before = JSON.stringify(o['status']);
    const s: Obj = { observedGeneration: generation };
    if (o['kind'] === 'Deployment') {
      const deadline = (o['spec']['progressDeadlineSeconds'] as number) * 1000;
      const complete = ready.length >= desired;
      const stalled = !complete && Date.now() - (this.rolloutStart.get(o['metadata']['uid']) ?? Date.now()) > deadline;
      Object.assign(s, {
        replicas: this.podsOf(o).length,
        updatedReplicas: fresh.length,
        readyReplicas: ready.length,
        availableReplicas: ready.length,
        ...(desired - ready.length > 0 ? { unavailableReplicas: desired - ready.length } : {}),
        conditions: [
          {
            type: 'Available',
            status: ready.length >= desired ? 'True' : 'False',
            reason: ready.length >= desired ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
            message: ready.length >= desired ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
          },
          complete
            ? {
                type: 'Progressing',
                status: 'True',
                reason: 'NewReplicaSetAvailable',
                message: `ReplicaSet "${o['metadata']['name']}-${hash}" has successfully progressed.`,
              }
            : stalled
              ? {
                  type: 'Progressing',
                  status: 'False',
                  reason: 'ProgressDeadlineExceeded',
                  message: `ReplicaSet "${o['metadata']['name']}-${hash}" has timed out progressing.`,
                }
              : {
                  type: 'Progressing',
                  status: 'True',
                  reason: 'ReplicaSetUpdated',
                  message: `ReplicaSet "${o['metadata']['name']}-${hash}" is progressing.`,
                },
        ],
      });
      if (stalled && !before.includes('ProgressDeadlineExceeded'))
        this.event(o, 'Warning', 'ProgressDeadlineExceeded', `Deployment ${o['metadata']['name']} has timed out progressing`);
    } else if (o['kind'] === 'StatefulSet') {
      Object.assign(s, {
        replicas: this.podsOf(o).length,
        readyReplicas: ready.length,
        currentReplicas: fresh.length,
        updatedReplicas: fresh.length,
        availableReplicas: ready.length,
        currentRevision: `${o['metadata']['name']}-${hash}`,
        updateRevision: `${o['metadata']['name']}-${hash}`,
      });
    } else if (o['kind'] === 'DaemonSet') {
      Object.assign(s, {
        desiredNumberScheduled: 1,
        currentNumberScheduled: fresh.length,
        updatedNumberScheduled: fresh.length,
        numberReady: ready.length,
        numberAvailable: ready.length,
        numberMisscheduled: 0,
      });
    } else if (o['kind'] === 'Job') {
      const succeeded = fresh.filter((p) => p['status']?.['phase'] === 'Succeeded').length;
      const failedPod = fresh.find(
        (p) => (p['status']?.['containerStatuses']?.[0]?.['restartCount'] ?? 0) >= 2 || p['status']?.['phase'] === 'Failed',
      );
      Object.assign(s, {
        active: fresh.filter((p) => p['status']?.['phase'] === 'Running' || p['status']?.['phase'] === 'Pending').length,
        succeeded: Math.max(succeeded, o['status']?.['succeeded'] ?? 0),
        ...(failedPod ? { failed: 1 } : {}),
      });
      if (succeeded > 0) s['conditions'] = [{ type: 'Complete', status: 'True' }];
      if (failedPod && !succeeded)
        s['conditions'] = [
          { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
        ];
    }
    if (JSON.stringify(s) !== before) {
      o['status'] = s;
      this.touch(o);
    }
  }

  private createPod(owner: Obj, hash: string, i: number): void {
    const template = owner['spec']['template'];
    const name = `${owner['metadata']['name']}-${hash.slice(0, 5)}-${i}`;
    const pod = this.stamp({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: owner['metadata']['namespace'],
        labels: { ...(template['metadata']?.['labels'] ?? {}), 'pod-template-hash': hash },
        ownerReferences: [
          {
            apiVersion: owner['apiVersion'],
            kind: owner['kind'],
            name: owner['metadata']['name'],
            uid: owner['metadata']['uid'],
            controller: true,
          },
        ],
      },
      spec: clone(template['spec']),
      status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [] },
    });
    this.put(pod);
    this.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${owner['metadata']['namespace']}/${name} to sim-node`);
  }

  private runPod(pod: Obj): void {
    const uid = pod['metadata']['uid'] as string;
    const ticks = (this.podTicks.get(uid) ?? 0) + 1;
    this.podTicks.set(uid, ticks);
    const containers = (pod['spec']['containers'] ?? []) as Obj[];
    const isJob = pod['metadata']['ownerReferences']?.[0]?.['kind'] === 'Job';
    const statuses: Obj[] = [];
    let allReady = true;
    let phase = 'Running';
    for (const c of containers) {
      // `flaky` rolls out healthy, then starts crashing a while later (what verification after a rollout catches).
      const declared = imageBehaviour(c['image']);
      const behaviour = declared === 'flaky' ? (ticks < FLAKY_HEALTHY_TICKS ? 'ok' : 'crashloop') : declared;
      const key = `${pod['metadata']['namespace']}/${pod['metadata']['name']}/${c['name']}`;
      const previous = (pod['status']['containerStatuses'] as Obj[]).find((s) => s['name'] === c['name']);
      const restarts = previous?.['restartCount'] ?? 0;
      const base = { name: c['name'], image: c['image'], imageID: simulatedImageId(String(c['image'])), restartCount: restarts };
      if (ticks < 2 || behaviour === 'slow') {
        statuses.push({ ...base, ready: false, started: false, state: { waiting: { reason: 'ContainerCreating' } } });
        allReady = false;
        phase = 'Pending';
        continue;
      }
      if (behaviour === 'pullbackoff') {
        const reason = ticks % 4 < 2 ? 'ErrImagePull' : 'ImagePullBackOff';
        statuses.push({
          ...base,
          ready: false,
          started: false,
          state: { waiting: { reason, message: `Back-off pulling image "${c['image']}"` } },
        });
        this.event(
          pod,
          'Warning',
          'Failed',
          `Failed to pull image "${c['image']}": rpc error: code = NotFound desc = failed to pull and unpack image: not found`,
        );
        allReady = false;
        phase = 'Pending';
        continue;
      }
      if (behaviour === 'configerror') {
        statuses.push({
          ...base,
          ready: false,
          started: false,
          state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "missing-secret" not found' } },
        });
        this.event(pod, 'Warning', 'Failed', 'Error: secret "missing-secret" not found');
        allReady = false;
        phase = 'Pending';
        continue;
      }
      if (behaviour === 'crashloop' || behaviour === 'oom' || (behaviour === 'fail' && isJob)) {
        const nextRestarts = ticks % 3 === 0 ? restarts + 1 : restarts;
        const exitCode = behaviour === 'oom' ? 137 : 1;
        const reason = behaviour === 'oom' ? 'OOMKilled' : 'Error';
        this.logs.set(key, {
          current: ['starting', behaviour === 'oom' ? 'allocating buffers' : 'panic: cannot reach database at db:5432'],
          previous: [
            'starting',
            behaviour === 'oom' ? 'allocating buffers' : 'panic: cannot reach database at db:5432',
            'exiting with code 1',
          ],
        });
        statuses.push({
          ...base,
          restartCount: nextRestarts,
          ready: false,
          started: false,
          state:
            nextRestarts > 0
              ? {
                  waiting: {
                    reason: 'CrashLoopBackOff',
                    message: `back-off 10s restarting failed container=${c['name']} pod=${pod['metadata']['name']}`,
                  },
                }
              : { running: { startedAt: new Date().toISOString() } },
          lastState:
            nextRestarts > 0
              ? { terminated: { exitCode, reason, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() } }
              : {},
        });
        if (nextRestarts > 0)
          this.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c['name']} in pod ${pod['metadata']['name']}`);
        allReady = false;
        if (isJob && nextRestarts >= 2) phase = 'Failed';
        continue;
      }
      if (!this.logs.has(key)) this.logs.set(key, { current: [`${c['name']} listening on :8080`], previous: [] });
      if (isJob) {
        statuses.push({ ...base, ready: false, started: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
        phase = ticks >= 3 ? 'Succeeded' : 'Running';
        allReady = false;
        continue;
      }
      statuses.push({ ...base, ready: true, started: true, state: { running: { startedAt: new Date().toISOString() } } });
    }
    const next = {
      phase,
      conditions: [
        {
          type: 'Ready',
          status: allReady && containers.length > 0 ? 'True' : 'False',
          ...(allReady ? {} : { reason: 'ContainersNotReady' }),
        },
      ],
      containerStatuses: statuses,
    };
    if (JSON.stringify(next) !== JSON.stringify(pod['status'])) {
      pod['status'] = next;
      this.touch(pod);
    }
  }

  private podLog(namespace: string, name: string, query: URLSearchParams): string {
    const pod = this.objects.get(this.key(TYPES.find((t) => t.kind === 'Pod')!, namespace, name));
    if (!pod) throw new HttpError(status(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' }));
    const container = query.get('container') ?? pod['spec']['containers'][0]['name'];
    const entry = this.logs.get(`${namespace}/${name}/${container}`);
    if (!entry)
      throw new HttpError(status(400, 'BadRequest', `container "${container}" in pod "${name}" is waiting to start: ContainerCreating`));
    const lines = query.get('previous') === 'true' ? entry.previous : entry.current;
    if (query.get('previous') === 'true' && lines.length === 0)
      throw new HttpError(status(400, 'BadRequest', `previous terminated container "${container}" in pod "${name}" not found`));
    const tail = Number(query.get('tailLines') ?? lines.length);
    return lines.slice(-tail).join('\n') + '\n';
  }
}

function parseSelector(selector: string): Array<[string, '=' | '!=', string]> {
  return selector
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const neq = s.indexOf('!=');
      if (neq !== -1) return [s.slice(0, neq), '!=', s.slice(neq + 2)];
      const [k, v] = s.split(/==?/);
      return [k!, '=', v ?? ''];
    });
}

function matches(actual: unknown, op: '=' | '!=', expected: string): boolean {
  return op === '=' ? String(actual ?? '') === expected : String(actual ?? '') !== expected;
}

function fieldValue(o: Obj, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), o);
}

/** What a kubelet reports as a container's `imageID`: the repository and the digest the reference resolved to. */
function simulatedImageId(image: string): string {
  const repository = image.split('@')[0]!.replace(/:[^/:]*$/, '');
  const digest = image.includes('@sha256:') ? image.split('@')[1]! : `sha256:${createHash('sha256').update(image).digest('hex')}`;
  if (!image.includes('@sha256:')) RESOLVED.set(digest, image);
  return `docker.io/library/${repository}@${digest}`;
}
