import type { Finding, LogExcerpt, ResourceHealth, RuntimeDiagnosis } from '../../../core/diagnostics/diagnostics.js';
import { sortFindings, stillRunningPreviousImage } from '../../../core/diagnostics/diagnostics.js';
import { redactDeep } from '../../../core/secrets/secret-masking.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import { FAILING_WAIT_REASONS, ownedHealth, rollUp } from './kubernetes-health.js';
import { WORKLOAD_KINDS, objectKey } from './kubernetes-model.js';

export const LOG_TAIL = 40;

/**
 * The containers of a workload's pods that run another image than the release's manifest asks for: after a failed
 * rollout, the previous release's pods are what still serves. One `STILL_RUNNING_PREVIOUS_IMAGE` per container name,
 * and what to say on each such pod's line.
 */
function previousImages(
  object: KubeObject,
  pods: readonly KubeObject[],
  desired: KubeObject | undefined,
): { findings: Finding[]; byPod: Map<string, string> } {
  const want = new Map(
    ((desired?.['spec']?.['template']?.['spec']?.['containers'] ?? []) as Array<Record<string, string>>).map((c) => [
      c['name'],
      c['image'],
    ]),
  );
  const resource = { kind: object.kind!, name: object.metadata!.name! };
  const byContainer = new Map<string, { images: Set<string>; evidence: string[] }>();
  const byPod = new Map<string, string>();
  for (const pod of pods) {
    const ready = new Map(((pod['status']?.['containerStatuses'] ?? []) as Array<Record<string, any>>).map((s) => [s['name'], s['ready']]));
    const notes: string[] = [];
    for (const c of (pod['spec']?.['containers'] ?? []) as Array<Record<string, string>>) {
      const wanted = want.get(c['name']);
      if (!wanted || !c['image'] || c['image'] === wanted) continue;
      const entry = byContainer.get(c['name']!) ?? { images: new Set<string>(), evidence: [] };
      entry.images.add(c['image']);
      entry.evidence.push(`Pod/${pod.metadata?.name}/${c['name']}: image=${c['image']} ready=${ready.get(c['name']) === true}`);
      byContainer.set(c['name']!, entry);
      notes.push(stillRunningPreviousImage(resource, c['image'], wanted, '').note);
    }
    if (notes.length > 0) byPod.set(pod.metadata!.name!, notes.join('; '));
  }
  const findings = [...byContainer].map(([container, { images, evidence }]) => {
    const wanted = want.get(container)!;
    const release = `release: ${resource.kind}/${resource.name} container ${container} image=${wanted}`;
    return stillRunningPreviousImage(resource, [...images].join(', '), wanted, [...evidence, release].join('\n')).finding;
  });
  return { findings, byPod };
}

/**
 * Runtime-aware diagnostics: workload conditions; pods with container waiting/terminated reasons, exit codes and
 * restarts; Warning events of the objects involved; the last log lines of failing containers (the previous
 * container for a crash loop). Findings share the Compose driver's shape; secrets are masked.
 */
export async function kubernetesDiagnostics(
  client: KubeClient,
  namespace: string,
  owned: readonly KubeObject[],
  desired: readonly KubeObject[],
  secrets: readonly string[],
): Promise<RuntimeDiagnosis> {
  const entries = await ownedHealth(client, namespace, owned);
  const findings: Finding[] = [];
  const resources: ResourceHealth[] = [];
  const logs: LogExcerpt[] = [];
  const present = new Set(owned.map((o) => `${o.kind}/${o.metadata?.name}`));
  const wanted = new Map(desired.map((o) => [objectKey(o), o]));
  for (const key of wanted.keys()) {
    if (!present.has(key)) {
      const [kind, name] = key.split('/');
      findings.push({
        severity: 'error',
        code: 'OBJECT_MISSING',
        resource: { kind: kind!, name: name! },
        message: `${key} is not in the cluster`,
        evidence: '',
      });
      resources.push({ kind: kind!, name: name!, ready: false, status: 'missing', message: 'not found' });
    }
  }
  for (const { object, pods, health } of entries) {
    findings.push(...health.findings);
    resources.push(health.resource);
    if (!WORKLOAD_KINDS.has(object.kind ?? '')) continue;
    const involved = [object.metadata!.name!, ...pods.map((p) => p.metadata!.name!)];
    for (const name of involved) {
      for (const e of await client.events(namespace, name)) {
        if (e['type'] !== 'Warning') continue;
        findings.push({
          severity: 'warning',
          code: `EVENT_${String(e['reason'] ?? 'WARNING')
            .replace(/([a-z])([A-Z])/g, '$1_$2')
            .toUpperCase()}`,
          resource: { kind: e['involvedObject']?.['kind'] ?? 'Object', name },
          message: String(e['message'] ?? ''),
          evidence: `${e['reason']} ×${e['count'] ?? 1}`,
        });
      }
    }
    const stale = previousImages(object, pods, wanted.get(objectKey(object)));
    findings.push(...stale.findings);
    for (const pod of pods) {
      const previous = stale.byPod.get(pod.metadata!.name!);
      const state = ((pod['status']?.['containerStatuses'] ?? []) as Array<Record<string, any>>)
        .map((s) => s['state']?.['waiting']?.['reason'] ?? (s['ready'] ? 'ready' : 'not ready'))
        .join(', ');
      resources.push({
        kind: 'Pod',
        name: pod.metadata!.name!,
        ready: ((pod['status']?.['conditions'] ?? []) as Array<Record<string, string>>).some(
          (c) => c['type'] === 'Ready' && c['status'] === 'True',
        ),
        status: String(pod['status']?.['phase'] ?? 'Unknown'),
        message: previous ? `${state} — ${previous}` : state,
      });
      for (const s of (pod['status']?.['containerStatuses'] ?? []) as Array<Record<string, any>>) {
        const waiting = s['state']?.['waiting']?.['reason'] as string | undefined;
        const failing = (waiting && waiting in FAILING_WAIT_REASONS) || (s['restartCount'] ?? 0) > 0;
        if (!failing) continue;
        const crashLoop = waiting === 'CrashLoopBackOff' || (s['restartCount'] ?? 0) > 0;
        const lines = await client.logs(namespace, pod.metadata!.name!, s['name'], { previous: crashLoop, tail: LOG_TAIL });
        if (lines.length > 0) logs.push({ resource: `Pod/${pod.metadata!.name} (${s['name']}${crashLoop ? ', previous' : ''})`, lines });
      }
    }
  }
  const sorted = sortFindings(findings);
  const errors = sorted.filter((f) => f.severity === 'error');
  const phase = rollUp(entries.map((e) => e.health));
  const summary =
    errors.length > 0
      ? `${errors.length} problem${errors.length > 1 ? 's' : ''}: ${errors
          .slice(0, 3)
          .map((f) => `${f.resource.kind}/${f.resource.name}: ${f.message}`)
          .join('; ')}`
      : phase === 'progressing'
        ? 'rolling out'
        : `${entries.length} objects healthy`;
  return redactDeep({ summary, findings: sorted, resources, logs }, secrets);
}
