import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
  Watch,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Agent } from 'node:http';
import { ShipgateError } from '../../../core/errors.js';

/** A Kubernetes object as plain data. */
export type KubeObject = KubernetesObject & Record<string, any>;

/** The few API operations the Kubernetes driver needs (the smallest structural interface over client-node). */
export interface KubeClient {
  /** Server-side apply with field manager `shipgate` (forced); `dryRun` asks the server what it would store. */
  apply(object: KubeObject, options: { dryRun: boolean }): Promise<KubeObject>;
  read(apiVersion: string, kind: string, namespace: string, name: string): Promise<KubeObject | null>;
  list(apiVersion: string, kind: string, namespace: string, labelSelector: string): Promise<KubeObject[]>;
  remove(apiVersion: string, kind: string, namespace: string, name: string): Promise<void>;
  pods(namespace: string, labelSelector: string): Promise<KubeObject[]>;
  /** Events whose involved object has this name. */
  events(namespace: string, involvedName: string): Promise<KubeObject[]>;
  logs(namespace: string, pod: string, container: string, options: { previous: boolean; tail: number }): Promise<string[]>;
  /**
   * Watches objects of a kind in a namespace (optionally by label) and calls `onChange` for every event. Resolves
   * to a function that stops the watch.
   */
  watch(apiVersion: string, kind: string, namespace: string, labelSelector: string, onChange: () => void): Promise<() => void>;
  /** Whether API discovery serves the type as namespaced or cluster-scoped; null when it does not serve it. */
  scope(apiVersion: string, kind: string): Promise<'namespaced' | 'cluster' | null>;
  /** Resolves when the API server answers (and, given a namespace, lets Shipgate read in it). */
  ping(namespace?: string): Promise<void>;
}

export const FIELD_MANAGER = 'shipgate';

const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|socket hang up|fetch failed|EAI_AGAIN/;

function bodyOf(error: unknown): { message?: string; reason?: string } {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as { message?: string; reason?: string };
    } catch {
      return { message: body };
    }
  }
  return (body as { message?: string }) ?? {};
}

/** The HTTP status of a client-node error, or undefined when the request never got an answer. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * RBAC's refusal (`… is forbidden: User "…" cannot patch resource …`): Shipgate's credentials lack a permission. Any
 * other 403 is an admission controller refusing the object (a quota, Pod Security, a policy webhook).
 */
const RBAC_DENIAL = /\bcannot [a-z]+ resource\b/i;

/** The API server's Status of a refused request, as a `VALIDATION_FAILED` from {@link kubeError} carries it. */
export interface ApiStatus {
  code: number;
  reason: string;
  message: string;
}

/**
 * Maps a client-node failure to Shipgate's errors: unreachable, failing or refusing Shipgate's credentials →
 * RUNTIME_UNAVAILABLE; an object the server (or its admission) rejects → VALIDATION_FAILED with the `apiStatus`.
 */
export function kubeError(error: unknown, what: string): never {
  if (error instanceof ShipgateError) throw error;
  const status = statusOf(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const text = `${(error as Error)?.message ?? ''} ${cause?.code ?? ''} ${cause?.message ?? ''}`;
  if (status === undefined) {
    // No HTTP answer at all: refused, unresolvable, TLS failure, timeout.
    const reason = UNREACHABLE.test(text) ? (cause?.code ?? 'no answer') : (cause?.message ?? (error as Error)?.message ?? 'no answer');
    throw new ShipgateError('RUNTIME_UNAVAILABLE', `the Kubernetes API server cannot be reached (${reason})`, { runtime: 'kubernetes' });
  }
  if (status >= 500) {
    throw new ShipgateError(
      'RUNTIME_UNAVAILABLE',
      `the Kubernetes API server failed on ${what} (${status}): ${bodyOf(error).message ?? ''}`.trim(),
      { runtime: 'kubernetes' },
    );
  }
  const body = bodyOf(error);
  if (status === 401 || (status === 403 && RBAC_DENIAL.test(body.message ?? ''))) {
    throw new ShipgateError(
      'RUNTIME_UNAVAILABLE',
      `the Kubernetes API server refused Shipgate's credentials for ${what}: ${body.message ?? status}`,
      { runtime: 'kubernetes' },
    );
  }
  if (status === 400 || status === 403 || status === 404 || status === 409 || status === 422) {
    const message = body.message ?? `the server rejected ${what}`;
    throw new ShipgateError('VALIDATION_FAILED', `the Kubernetes API server rejected ${what}: ${message}`, {
      errors: [{ path: '/spec/manifests', message }],
      apiStatus: { code: status, reason: body.reason ?? '', message },
    });
  }
  throw error;
}

async function guard<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    return kubeError(error, what);
  }
}

/** Plain data out of client-node's typed models (dates become strings, undefined fields go). */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** How many distinct agents (cluster and TLS options) a client keeps; the oldest is closed past it. */
const MAX_AGENTS = 8;

/**
 * client-node builds a new agent for every request: a new connection each time, and on a real cluster a new TLS
 * handshake. This keeps one agent (keep-alive) per cluster and TLS options; new credentials (a rotated client
 * certificate) make a new one. Requests and watches then reuse their connections.
 */
function keepConnections(config: KubeConfig): void {
  type CreateAgent = (cluster: unknown, options: Record<string, unknown>) => Agent;
  const target = config as unknown as { createAgent?: CreateAgent };
  const create = target.createAgent?.bind(config);
  // A client-node without the hook keeps its own behaviour.
  if (create === undefined) return;
  const agents = new Map<string, Agent>();
  target.createAgent = (cluster, options) => {
    const { server, proxyUrl } = (cluster ?? {}) as { server?: string; proxyUrl?: string };
    const key = JSON.stringify([server, proxyUrl, options]);
    let agent = agents.get(key);
    if (agent === undefined) {
      if (agents.size >= MAX_AGENTS) {
        const [oldestKey, oldest] = agents.entries().next().value!;
        agents.delete(oldestKey);
        oldest.destroy();
      }
      agent = create(cluster, { ...options, keepAlive: true });
      agents.set(key, agent);
    }
    return agent;
  };
}

/**
 * The Kubernetes API through @kubernetes/client-node.
 * @example const client = createKubeClient(kubeConfig)
 */
export function createKubeClient(config: KubeConfig): KubeClient {
  keepConnections(config);
  const objects = KubernetesObjectApi.makeApiClient(config);
  const core = config.makeApiClient(CoreV1Api);
  const version = config.makeApiClient(VersionApi);
  const watcher = new Watch(config);
  const header = (apiVersion: string, kind: string, namespace: string, name: string) => ({
    apiVersion,
    kind,
    metadata: { name, namespace },
  });
  return {
    apply: (object, { dryRun }) =>
      guard(`${object.kind}/${object.metadata?.name}`, async () =>
        plain<KubeObject>(
          await objects.patch(object, undefined, dryRun ? 'All' : undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
        ),
      ),
    read: (apiVersion, kind, namespace, name) =>
      guard(`${kind}/${name}`, async () => {
        try {
          return plain<KubeObject>(await objects.read(header(apiVersion, kind, namespace, name)));
        } catch (error) {
          if (statusOf(error) === 404) return null;
          throw error;
        }
      }),
    list: (apiVersion, kind, namespace, labelSelector) =>
      guard(
        `${kind} list`,
        async () =>
          plain(
            (await objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector)).items,
          ) as KubeObject[],
      ),
    remove: (apiVersion, kind, namespace, name) =>
      guard(`${kind}/${name}`, async () => {
        try {
          await objects.delete(header(apiVersion, kind, namespace, name), undefined, undefined, undefined, undefined, 'Background');
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
        }
      }),
    pods: (namespace, labelSelector) =>
      guard('pods', async () => plain((await core.listNamespacedPod({ namespace, labelSelector })).items) as KubeObject[]),
    events: (namespace, involvedName) =>
      guard(
        'events',
        async () =>
          plain(
            (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${involvedName}` })).items,
          ) as KubeObject[],
      ),
    logs: (namespace, pod, container, { previous, tail }) =>
      guard('logs', async () => {
        try {
          const text = await core.readNamespacedPodLog({ name: pod, namespace, container, previous, tailLines: tail });
          return String(text)
            .split('\n')
            .filter((l) => l.length > 0);
        } catch (error) {
          if (statusOf(error) === 400 || statusOf(error) === 404) return [];
          throw error;
        }
      }),
    watch: async (apiVersion, kind, namespace, labelSelector, onChange) => {
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const path = `${base}/namespaces/${namespace}/${kind.toLowerCase()}s`;
      const controller = await guard(`a watch of ${kind}`, () =>
        watcher.watch(
          path,
          labelSelector ? { labelSelector } : {},
          () => onChange(),
          () => undefined,
        ),
      );
      return () => controller.abort();
    },
    scope: (apiVersion, kind) =>
      guard(`discovery of ${apiVersion}/${kind}`, async () => {
        // `resource` is client-node's own discovery lookup (cached per apiVersion); it is only typed protected.
        const lookup = objects as unknown as { resource(apiVersion: string, kind: string): Promise<{ namespaced: boolean } | undefined> };
        try {
          const found = await lookup.resource(apiVersion, kind);
          return found ? (found.namespaced ? 'namespaced' : 'cluster') : null;
        } catch (error) {
          if (statusOf(error) === 404) return null;
          throw error;
        }
      }),
    // Only namespaced reads: the Role Shipgate is given grants nothing cluster-wide.
    ping: (namespace) =>
      guard('the namespace', async () => {
        if (namespace) await core.listNamespacedConfigMap({ namespace, limit: 1 });
        else await version.getCode();
      }),
  };
}

/** Loads the server's kubeconfig: `SHIPGATE_KUBECONFIG`, else the default (KUBECONFIG, ~/.kube/config, in-cluster). */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const config = new KubeConfig();
  if (path) config.loadFromFile(path);
  else config.loadFromDefault();
  return config;
}
