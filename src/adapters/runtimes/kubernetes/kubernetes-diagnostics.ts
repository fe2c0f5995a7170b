import type { Finding, LogExcerpt, ResourceHealth, RuntimeDiagnosis } from '../../../core/diagnostics/diagnostics.js';
import { sortFindings } from '../../../core/diagnostics/diagnostics.js';
import { redactDeep } from '../../../core/secrets/secret-masking.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import { FAILING_WAIT_REASONS, ownedHealth, rollUp } from './kubernetes-health.js';
import { WORKLOAD_KINDS } from './kubernetes-model.js';

export const LOG_TAIL = 40;

/**
 * Runtime-aware diagnostics: workload conditions; pods with container waiting/terminated reasons, exit codes and
 * restarts; Warning events of the objects involved; the last log lines of failing containers (the previous
 * container for a crash loop). Findings share the Compose driver's shape; secrets are masked.
 */
export async function kubernetesDiagnostics(
  client: KubeClient,
  namespace: string,
  owned: readonly KubeObject[],
  expected: readonly string[],
  secrets: readonly string[],
): Promise<RuntimeDiagnosis> {
  const entries = await ownedHealth(client, namespace, owned);
  const findings: Finding[] = [];
  const resources: ResourceHealth[] = [];
  const logs: LogExcerpt[] = [];
  const present = new Set(owned.map((o) => `${o.kind}/${o.metadata?.name}`));
  for (const key of expected) {
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
    for (const pod of pods) {
      resources.push({
        kind: 'Pod',
        name: pod.metadata!.name!,
        ready: ((pod['status']?.['conditions'] ?? []) as Array<Record<string, string>>).some(
          (c) => c['type'] === 'Ready' && c['status'] === 'True',
        ),
        status: String(pod['status']?.['phase'] ?? 'Unknown'),
        message: ((pod['status']?.['containerStatuses'] ?? []) as Array<Record<string, any>>)
          .map((s) => s['state']?.['waiting']?.['reason'] ?? (s['ready'] ? 'ready' : 'not ready'))
          .join(', '),
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
