import { KubeConfig } from '@kubernetes/client-node';
import type { RuntimeDiagnosis } from '../../../core/diagnostics/diagnostics.js';
import type {
  ApplyOptions,
  ApplyOutcome,
  DeployTarget,
  DeployUnit,
  DriverPreview,
  RuntimeDriver,
  WorkloadUnit,
} from '../../../ports/runtime-driver.js';
import { createKubeClient, type KubeClient, type KubeObject } from './kube-client.js';
import { kubernetesApply } from './kubernetes-apply.js';
import { kubernetesDiagnostics } from './kubernetes-diagnostics.js';
import { currentPods, ownedHealth } from './kubernetes-health.js';
import { ShipgateError, type FieldError } from '../../../core/errors.js';
import type { PolicyResource } from '../../../core/policy/policy.js';
import { specDocuments } from '../../../core/release/spec-render.js';
import {
  OWNED_KINDS,
  WORKLOAD_KINDS,
  checkOwnership,
  liveDigestOf,
  manifestObjects,
  namespaceOf,
  objectKey,
  ownerSelector,
  typeKey,
} from './kubernetes-model.js';
import { kubernetesChanges } from './kubernetes-preview.js';

export interface KubernetesDriverOptions {
  /** The server's kubeconfig (SHIPGATE_KUBECONFIG, the default kubeconfig, or in-cluster config). */
  kubeConfig: KubeConfig;
}

/**
 * The Kubernetes runtime: an application's manifests applied into the environment's namespace with server-side
 * apply (field manager `shipgate`), previewed with `dryRun=All`, pruned by ownership labels and watched until every
 * rollout finishes. `target.context` picks a kubeconfig context.
 * @example const driver = KubernetesDriver.create({ kubeConfig: loadKubeConfig(process.env.SHIPGATE_KUBECONFIG) })
 */
export class KubernetesDriver implements RuntimeDriver {
  readonly runtime = 'kubernetes' as const;
  private readonly clients = new Map<string, KubeClient>();

  private constructor(private readonly kubeConfig: KubeConfig) {}

  static create(options: KubernetesDriverOptions): KubernetesDriver {
    return new KubernetesDriver(options.kubeConfig);
  }

  private client(target?: DeployTarget): KubeClient {
    const context = target && 'namespace' in target.target ? (target.target.context ?? '') : '';
    let client = this.clients.get(context);
    if (!client) {
      const config = new KubeConfig();
      config.loadFromString(this.kubeConfig.exportConfig());
      if (context) config.setCurrentContext(context);
      client = createKubeClient(config);
      this.clients.set(context, client);
    }
    return client;
  }

  /** What Shipgate owns for the target: objects of the known kinds (or of `kinds` only) carrying its ownership labels. */
  private async owned(target: DeployTarget, kinds?: ReadonlySet<string>): Promise<KubeObject[]> {
    const client = this.client(target);
    const namespace = namespaceOf(target);
    const listed = kinds ? OWNED_KINDS.filter((k) => kinds.has(k.kind)) : OWNED_KINDS;
    const lists = await Promise.all(listed.map((k) => client.list(k.apiVersion, k.kind, namespace, ownerSelector(target))));
    return lists.flat();
  }

  async ping(): Promise<void> {
    await this.client().ping();
  }

  async liveDigest(target: DeployTarget): Promise<string> {
    return liveDigestOf(await this.owned(target));
  }

  /**
   * The release's objects, placed by what API discovery says of each type (never by a list of kind names): a type
   * the API server does not serve is `VALIDATION_FAILED`.
   */
  private async desired(target: DeployTarget, unit: DeployUnit): Promise<{ objects: KubeObject[]; clusterScoped: Set<string> }> {
    manifestObjects(unit.rendered, target);
    const client = this.client(target);
    const types = new Map<string, { apiVersion: string; kind: string }>();
    for (const doc of specDocuments(unit.rendered) as KubeObject[])
      types.set(typeKey(doc), { apiVersion: doc.apiVersion!, kind: doc.kind! });
    const clusterScoped = new Set<string>();
    const errors: FieldError[] = [];
    for (const [key, type] of types) {
      const scope = await client.scope(type.apiVersion, type.kind);
      if (scope === null)
        errors.push({ path: '/spec/manifests', message: `the API server serves no kind ${type.kind} in ${type.apiVersion}` });
      if (scope === 'cluster') clusterScoped.add(key);
    }
    if (errors.length > 0) throw new ShipgateError('VALIDATION_FAILED', errors.map((e) => e.message).join('; '), { errors });
    return { objects: manifestObjects(unit.rendered, target, clusterScoped), clusterScoped };
  }

  async preview(target: DeployTarget, unit: DeployUnit): Promise<DriverPreview> {
    const namespace = namespaceOf(target);
    await this.client(target).ping(namespace);
    const { objects: desired, clusterScoped } = await this.desired(target, unit);
    const owned = await this.owned(target);
    const changes = await kubernetesChanges(this.client(target), target, namespace, desired, owned, unit.secrets);
    const resources: PolicyResource[] = desired.map((o) => ({
      kind: o.kind!,
      name: o.metadata!.name!,
      spec: o,
      clusterScoped: clusterScoped.has(typeKey(o)),
    }));
    return { changes, liveDigest: liveDigestOf(owned), resources };
  }

  async apply(target: DeployTarget, unit: DeployUnit, options: ApplyOptions): Promise<ApplyOutcome> {
    const namespace = namespaceOf(target);
    await this.client(target).ping(namespace);
    const { objects: desired } = await this.desired(target, unit);
    for (const object of desired)
      checkOwnership(await this.client(target).read(object.apiVersion!, object.kind!, namespace, object.metadata!.name!), target);
    return kubernetesApply(
      { client: this.client(target), namespace, owned: (kinds) => this.owned(target, kinds), selector: ownerSelector(target) },
      desired,
      unit.secrets,
      options,
    );
  }

  async observe(target: DeployTarget): Promise<WorkloadUnit[]> {
    const units: WorkloadUnit[] = [];
    for (const { object, pods, health } of await ownedHealth(this.client(target), namespaceOf(target), await this.owned(target))) {
      if (!WORKLOAD_KINDS.has(object.kind ?? '')) continue;
      units.push({ name: objectKey(object), ready: health.phase === 'ready', restarts: 0, status: health.resource.status });
      for (const pod of currentPods(object, pods)) {
        for (const s of (pod['status']?.['containerStatuses'] ?? []) as Array<Record<string, unknown>>) {
          const state = Object.keys(s['state'] ?? {})[0] ?? 'unknown';
          units.push({
            name: `Pod/${pod.metadata?.name ?? ''}/${String(s['name'])}`,
            ready: s['ready'] === true,
            restarts: Number(s['restartCount'] ?? 0),
            status: state,
          });
        }
      }
    }
    return units;
  }

  async diagnose(target: DeployTarget, unit: DeployUnit): Promise<RuntimeDiagnosis> {
    let desired: KubeObject[] = [];
    try {
      desired = manifestObjects(unit.rendered, target);
    } catch {
      desired = [];
    }
    return kubernetesDiagnostics(this.client(target), namespaceOf(target), await this.owned(target), desired, unit.secrets);
  }
}
