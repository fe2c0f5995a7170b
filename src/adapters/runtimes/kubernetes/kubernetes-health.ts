import type { Finding, ResourceHealth } from '../../../core/diagnostics/diagnostics.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import { WORKLOAD_KINDS } from './kubernetes-model.js';

export type Phase = 'ready' | 'progressing' | 'failed';

export interface ObjectHealth {
  phase: Phase;
  resource: ResourceHealth;
  findings: Finding[];
}

/** Container states that mean the rollout will not get better by waiting. */
export const FAILING_WAIT_REASONS: Record<string, string> = {
  CrashLoopBackOff: 'CRASH_LOOP_BACK_OFF',
  ImagePullBackOff: 'IMAGE_PULL_BACK_OFF',
  ErrImagePull: 'ERR_IMAGE_PULL',
  InvalidImageName: 'INVALID_IMAGE_NAME',
  CreateContainerConfigError: 'CREATE_CONTAINER_CONFIG_ERROR',
  CreateContainerError: 'CREATE_CONTAINER_ERROR',
};

const worst = (a: Phase, b: Phase): Phase =>
  a === 'failed' || b === 'failed' ? 'failed' : a === 'progressing' || b === 'progressing' ? 'progressing' : 'ready';

/** Coded findings for one pod's containers: waiting reasons, OOM kills, restarts. */
export function podFindings(pod: KubeObject): Finding[] {
  const findings: Finding[] = [];
  const resource = { kind: 'Pod', name: pod.metadata?.name ?? '' };
  for (const s of (pod['status']?.['containerStatuses'] ?? []) as Array<Record<string, any>>) {
    const waiting = s['state']?.['waiting'];
    const last = s['lastState']?.['terminated'];
    const code = waiting ? FAILING_WAIT_REASONS[waiting['reason'] as string] : undefined;
    if (code) {
      findings.push({
        severity: 'error',
        code,
        resource,
        message:
          `container ${s['name']} is ` +
          `${waiting['reason']}${last ? ` (last exit code ${last['exitCode']}${last['reason'] ? `, ${last['reason']}` : ''})` : ''}`,
        evidence: [waiting['message'], `image=${s['image']}`, `restartCount=${s['restartCount'] ?? 0}`].filter(Boolean).join('\n'),
      });
    }
    if (last?.['reason'] === 'OOMKilled' || s['state']?.['terminated']?.['reason'] === 'OOMKilled') {
      findings.push({
        severity: 'error',
        code: 'OOM_KILLED',
        resource,
        message: `container ${s['name']} was killed for running out of memory`,
        evidence: `exitCode=${last?.['exitCode'] ?? 137}`,
      });
    }
    if (!code && (s['restartCount'] ?? 0) > 0) {
      findings.push({
        severity: 'warning',
        code: 'RESTARTED',
        resource,
        message: `container ${s['name']} restarted ${s['restartCount']} times`,
        evidence: last ? `last exit code ${last['exitCode']}` : '',
      });
    }
  }
  return findings;
}

function condition(o: KubeObject, type: string): Record<string, any> | undefined {
  return ((o['status']?.['conditions'] ?? []) as Array<Record<string, any>>).find((c) => c['type'] === type);
}

/**
 * The health of one object, its pods rolled in: a workload is ready when its controller observed the current
 * generation and every replica is updated and available (a Job when it completed); the worst resource decides.
 */
export function objectHealth(o: KubeObject, pods: readonly KubeObject[]): ObjectHealth {
  const kind = o.kind ?? '';
  const name = o.metadata?.name ?? '';
  const ref = { kind, name };
  const s = (o['status'] ?? {}) as Record<string, any>;
  const observed = (s['observedGeneration'] ?? 0) >= (o.metadata?.generation ?? 1);
  const findings: Finding[] = [];
  let phase: Phase = 'ready';
  let status = 'present';
  let message = '';
  if (kind === 'Deployment' || kind === 'StatefulSet') {
    const want = (o['spec']?.['replicas'] as number | undefined) ?? 1;
    const updated = s['updatedReplicas'] ?? 0;
    const ready = s['readyReplicas'] ?? 0;
    const available = kind === 'Deployment' ? (s['availableReplicas'] ?? 0) : ready;
    const total = s['replicas'] ?? 0;
    status = `${ready}/${want} ready, ${updated} updated`;
    const progressing = condition(o, 'Progressing');
    if (progressing?.['status'] === 'False' && progressing['reason'] === 'ProgressDeadlineExceeded') {
      phase = 'failed';
      message = progressing['message'] ?? 'progress deadline exceeded';
      findings.push({
        severity: 'error',
        code: 'PROGRESS_DEADLINE_EXCEEDED',
        resource: ref,
        message: `${kind} ${name} did not finish rolling out in time`,
        evidence: message,
      });
    } else if (!observed || updated < want || available < want || total > want) {
      phase = 'progressing';
      message = observed
        ? `waiting for ${want - Math.min(available, want)} of ${want} replicas`
        : 'waiting for the controller to observe the new generation';
    }
  } else if (kind === 'DaemonSet') {
    const want = s['desiredNumberScheduled'] ?? 0;
    const ready = s['numberReady'] ?? 0;
    status = `${ready}/${want} ready`;
    if (!observed || (s['updatedNumberScheduled'] ?? 0) < want || ready < want) phase = 'progressing';
  } else if (kind === 'Job') {
    const failed = condition(o, 'Failed');
    if (condition(o, 'Complete')?.['status'] === 'True') status = 'complete';
    else if (failed?.['status'] === 'True') {
      phase = 'failed';
      status = 'failed';
      message = failed['message'] ?? 'job failed';
      findings.push({
        severity: 'error',
        code: 'JOB_FAILED',
        resource: ref,
        message: `Job ${name} failed: ${failed['reason'] ?? ''}`.trim(),
        evidence: message,
      });
    } else {
      phase = 'progressing';
      status = `${s['active'] ?? 0} active`;
    }
  }
  // Only the pods of the current template decide: the pods a rollout replaces (a crash loop being rolled back) go away.
  for (const pod of currentPods(o, pods)) {
    const pf = podFindings(pod);
    findings.push(...pf);
    if (pf.some((f) => f.severity === 'error')) phase = worst(phase, 'failed');
  }
  if (phase === 'failed' && !message) message = findings.find((f) => f.severity === 'error')?.message ?? '';
  return { phase, resource: { kind, name, ready: phase === 'ready', status, message }, findings };
}

const containerSet = (spec: Record<string, any> | undefined): string =>
  ((spec?.['containers'] ?? []) as Array<Record<string, unknown>>)
    .map((c) => `${String(c['name'])}=${String(c['image'])}`)
    .sort()
    .join(',');

/**
 * The pods of a workload that run its current template (same containers, same images). While a rollout replaces
 * pods, the ones it replaces are not what the workload asks for any more. When none match yet, every pod counts.
 */
export function currentPods(workload: KubeObject, pods: readonly KubeObject[]): KubeObject[] {
  const wanted = containerSet(workload['spec']?.['template']?.['spec']);
  if (!wanted) return [...pods];
  const current = pods.filter((p) => containerSet(p['spec']) === wanted);
  return current.length > 0 ? current : [...pods];
}

export function rollUp(healths: readonly ObjectHealth[]): Phase {
  return healths.reduce<Phase>((p, h) => worst(p, h.phase), 'ready');
}

/** The label selector of the pods a workload runs (its `matchLabels`; a Job's name), or null when it has none. */
export function podSelectorOf(workload: KubeObject): string | null {
  const match = (workload['spec']?.['selector']?.['matchLabels'] ??
    (workload.kind === 'Job' ? { 'job-name': workload.metadata?.name } : null)) as Record<string, string> | null;
  if (!match) return null;
  return Object.entries(match)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The pods a workload selects. */
export async function podsOf(client: KubeClient, namespace: string, workload: KubeObject): Promise<KubeObject[]> {
  const selector = podSelectorOf(workload);
  if (selector === null) return [];
  const pods = await client.pods(namespace, selector);
  // Only this workload's pods (another workload's selector could overlap).
  const uid = workload.metadata?.uid;
  return pods.filter(
    (p) =>
      !uid ||
      !p.metadata?.ownerReferences?.length ||
      p.metadata.ownerReferences.some((r: { uid?: string; kind?: string }) => r.uid === uid || r.kind === 'ReplicaSet'),
  );
}

/** Health of every owned object, workloads with their pods. */
export async function ownedHealth(
  client: KubeClient,
  namespace: string,
  owned: readonly KubeObject[],
): Promise<Array<{ object: KubeObject; pods: KubeObject[]; health: ObjectHealth }>> {
  return Promise.all(
    owned.map(async (object) => {
      const pods = WORKLOAD_KINDS.has(object.kind ?? '') ? await podsOf(client, namespace, object) : [];
      return { object, pods, health: objectHealth(object, pods) };
    }),
  );
}
