import { imagePullFailed, type Finding } from '../../../core/diagnostics/diagnostics.js';
import { isShipgateError, type ShipgateError } from '../../../core/errors.js';
import { redactDeep, redactText } from '../../../core/secrets/secret-masking.js';
import type { ApplyOptions, ApplyOutcome } from '../../../ports/runtime-driver.js';
import type { ApiStatus, KubeClient, KubeObject } from './kube-client.js';
import { ownedHealth, podSelectorOf, rollUp, type ObjectHealth } from './kubernetes-health.js';
import { WORKLOAD_KINDS, objectKey } from './kubernetes-model.js';

/** Without a watch event, look again after this long anyway (pods of other labels are not watched). */
const POLL_MS = 1_000;
const WATCH_OPEN_MS = 3_000;
/** A failing container state seen this many looks in a row fails the rollout before its deadline. */
const FAILING_POLLS = 3;
/** Once a look saw a failing state, the next comes this soon (a stuck pod sends no events to wake the loop). */
const CONFIRM_MS = 250;

export interface ApplyContext {
  client: KubeClient;
  namespace: string;
  /** What Shipgate owns for the target now (to prune what the release drops); of `kinds` only when given. */
  owned: (kinds?: ReadonlySet<string>) => Promise<KubeObject[]>;
  /** The label selector of what Shipgate owns for the target. */
  selector: string;
}

/**
 * Wakes the rollout loop on every watch event of the workloads and of their pods (each workload's own selector: the
 * pods of other applications in the namespace do not wake it), or after POLL_MS.
 */
async function watchRollout(
  ctx: ApplyContext,
  workloads: readonly KubeObject[],
): Promise<{ next: (soon: boolean) => Promise<void>; stop: () => void }> {
  let wake: (() => void) | null = null;
  const onChange = () => wake?.();
  const stops: Array<() => void> = [];
  // An empty selector would be every pod of the namespace: such a workload's rollout is polled instead.
  const podSelectors = new Set(workloads.map(podSelectorOf).filter((s): s is string => s !== null && s !== ''));
  for (const [apiVersion, kind, selector] of [
    ['apps/v1', 'Deployment', ctx.selector],
    ['apps/v1', 'StatefulSet', ctx.selector],
    ['apps/v1', 'DaemonSet', ctx.selector],
    ['batch/v1', 'Job', ctx.selector],
    ...[...podSelectors].map((selector) => ['v1', 'Pod', selector] as const),
  ] as const) {
    // A watch Shipgate may not (or cannot quickly) open only makes it poll.
    const opened = ctx.client.watch(apiVersion, kind, ctx.namespace, selector, onChange);
    const stop = await Promise.race([opened, new Promise<null>((r) => setTimeout(() => r(null), WATCH_OPEN_MS))]).catch(() => null);
    stops.push(
      stop ??
        (() =>
          void opened.then(
            (s) => s(),
            () => undefined,
          )),
    );
  }
  return {
    next: (soon) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => resolve(), soon ? CONFIRM_MS : POLL_MS);
        wake = () => {
          clearTimeout(timer);
          wake = null;
          // Let a burst of events settle before looking.
          setTimeout(resolve, 50);
        };
      }),
    stop: () => stops.forEach((s) => s()),
  };
}

/**
 * Server-side applies every object in order (config before workloads), prunes owned objects the release no longer
 * has, then watches the rollouts of Deployments, StatefulSets and DaemonSets and Jobs to completion, within the
 * environment's time limit.
 */
export async function kubernetesApply(
  ctx: ApplyContext,
  desired: readonly KubeObject[],
  secrets: readonly string[],
  options: ApplyOptions,
): Promise<ApplyOutcome> {
  await options.onStage('applying');
  const applied: KubeObject[] = [];
  for (const object of desired) {
    if (options.signal.aborted) throw new Error('aborted');
    try {
      applied.push(await ctx.client.apply(object, { dryRun: false }));
    } catch (error) {
      // The API server (or its admission) refusing the object is the release failing, not Shipgate failing to drive it.
      if (!isShipgateError(error, 'VALIDATION_FAILED')) throw error;
      return rejected(object, error, applied.length, desired.length, secrets);
    }
  }
  const wanted = new Set(desired.map(objectKey));
  for (const o of await ctx.owned()) {
    if (!wanted.has(objectKey(o))) await ctx.client.remove(o.apiVersion!, o.kind!, ctx.namespace, o.metadata!.name!);
  }
  await options.onStage(
    'waiting_for_rollout',
    `waiting for ${desired.filter((o) => WORKLOAD_KINDS.has(o.kind!)).length} workloads to roll out`,
  );
  const rollout = await watchRollout(
    ctx,
    desired.filter((o) => WORKLOAD_KINDS.has(o.kind!)),
  );
  try {
    return await waitForRollout(ctx, wanted, applied, secrets, options, rollout.next);
  } finally {
    rollout.stop();
  }
}

async function waitForRollout(
  ctx: ApplyContext,
  wanted: Set<string>,
  applied: KubeObject[],
  secrets: readonly string[],
  options: ApplyOptions,
  next: (soon: boolean) => Promise<void>,
): Promise<ApplyOutcome> {
  let failingPolls = 0;
  // Only the kinds the release has: what it dropped was pruned before the rollout.
  const kinds = new Set(applied.map((o) => o.kind!));
  for (;;) {
    if (options.signal.aborted) throw new Error(String((options.signal.reason as Error | undefined)?.message ?? 'aborted'));
    const current = (await ctx.owned(kinds)).filter((o) => wanted.has(objectKey(o)));
    const entries = await ownedHealth(ctx.client, ctx.namespace, current);
    const phase = rollUp(entries.map((e) => e.health));
    const failing = entries.filter((e) => e.health.phase === 'failed');
    const deadlineExceeded = failing.some((e) =>
      e.health.findings.some((f) => f.code === 'PROGRESS_DEADLINE_EXCEEDED' || f.code === 'JOB_FAILED'),
    );
    failingPolls = phase === 'failed' ? failingPolls + 1 : 0;
    if (deadlineExceeded || failingPolls >= FAILING_POLLS) {
      const finding = rolloutFinding(failing);
      return {
        ok: false,
        message: redactText(failing.map((e) => `${objectKey(e.object)}: ${e.health.resource.message}`).join('; '), secrets),
        runtimeState: null,
        ...(finding ? { finding: redactDeep(finding, secrets) } : {}),
      };
    }
    if (phase === 'ready' && current.length >= wanted.size) break;
    if (Date.now() >= options.deadline.getTime()) {
      const late = entries.filter((e) => e.health.phase !== 'ready');
      const waiting = late.map((e) => `${objectKey(e.object)}: ${e.health.resource.status}`);
      const first = late[0]?.object;
      const finding: Finding = pullFinding(late) ?? {
        severity: 'error',
        code: 'ROLLOUT_TIMEOUT',
        resource: first ? { kind: first.kind!, name: first.metadata!.name! } : { kind: 'Namespace', name: ctx.namespace },
        message: 'the rollout did not finish within the time limit',
        evidence: waiting.join('\n') || `expected ${[...wanted].join(', ')}; some objects are missing`,
      };
      return {
        ok: false,
        message: `the rollout did not finish within the time limit (${waiting.join('; ') || 'objects missing'})`,
        runtimeState: null,
        finding: redactDeep(finding, secrets),
      };
    }
    await next(failingPolls > 0);
  }
  await options.onStage('verifying', 'checking every object is ready');
  const final = await ownedHealth(
    ctx.client,
    ctx.namespace,
    (await ctx.owned(kinds)).filter((o) => wanted.has(objectKey(o))),
  );
  if (rollUp(final.map((e) => e.health)) !== 'ready') {
    return { ok: false, message: 'a workload stopped being ready while being verified', runtimeState: null };
  }
  return {
    ok: true,
    message: `${applied.length} objects applied, ${final.filter((e) => WORKLOAD_KINDS.has(e.object.kind!)).length} workloads rolled out`,
    runtimeState: {
      objects: applied.map((o) => ({ kind: o.kind, name: o.metadata?.name, resourceVersion: o.metadata?.resourceVersion })),
      images: ranImages(final),
    },
  };
}

/** The outcome of an object the API server refused: `APPLY_REJECTED`, with the server's Status as evidence. */
function rejected(object: KubeObject, error: ShipgateError, done: number, total: number, secrets: readonly string[]): ApplyOutcome {
  const status = error.metadata['apiStatus'] as ApiStatus | undefined;
  const key = objectKey(object);
  const finding: Finding = {
    severity: 'error',
    code: 'APPLY_REJECTED',
    resource: { kind: object.kind!, name: object.metadata!.name! },
    message: `the API server refused ${key}${status?.reason ? ` (${status.reason})` : ''}`,
    evidence: [
      status ? `${status.code} ${status.reason}: ${status.message}` : error.detail,
      `${done} of ${total} objects were applied before it; the rest were not`,
    ].join('\n'),
  };
  return { ok: false, message: redactText(error.detail, secrets), runtimeState: null, finding: redactDeep(finding, secrets) };
}

/** Container states in which the kubelet cannot get the image. */
const IMAGE_PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/** `IMAGE_PULL_FAILED` on the first workload whose pods cannot pull an image, with each such container as evidence. */
function pullFinding(entries: ReadonlyArray<{ object: KubeObject; pods: KubeObject[] }>): Finding | undefined {
  const evidence: string[] = [];
  let first: { object: KubeObject; image: string } | null = null;
  for (const { object, pods } of entries) {
    for (const pod of pods) {
      for (const s of (pod['status']?.['containerStatuses'] ?? []) as Array<Record<string, any>>) {
        const waiting = s['state']?.['waiting'] as Record<string, string> | undefined;
        if (!waiting || !IMAGE_PULL_REASONS.has(waiting['reason'] ?? '')) continue;
        first ??= { object, image: String(s['image'] ?? '') };
        evidence.push(
          `Pod/${pod.metadata?.name}/${s['name']}: ${waiting['reason']}${waiting['message'] ? ` — ${waiting['message']}` : ''}`,
        );
      }
    }
  }
  if (!first) return undefined;
  const { kind, metadata } = first.object;
  return imagePullFailed({ kind: kind!, name: metadata!.name! }, first.image, `${kind} ${metadata!.name}`, evidence.slice(0, 8).join('\n'));
}

/**
 * What failed a rollout, as the runtime said it: an image the kubelet cannot pull, or a workload past its progress
 * deadline (`ROLLOUT_TIMEOUT`). A crash loop or a failed Job gives none: the health findings explain it.
 */
function rolloutFinding(failing: ReadonlyArray<{ object: KubeObject; pods: KubeObject[]; health: ObjectHealth }>): Finding | undefined {
  const pull = pullFinding(failing);
  if (pull) return pull;
  for (const { health } of failing) {
    const stalled = health.findings.find((f) => f.code === 'PROGRESS_DEADLINE_EXCEEDED');
    if (stalled) {
      return {
        severity: 'error',
        code: 'ROLLOUT_TIMEOUT',
        resource: stalled.resource,
        message: `${stalled.resource.kind} ${stalled.resource.name} did not finish rolling out within its progress deadline`,
        evidence: `ProgressDeadlineExceeded: ${stalled.evidence}\n${health.resource.status}`,
      };
    }
  }
  return undefined;
}

const IMAGE_DIGEST = /@(sha256:[0-9a-f]{64})$/;

/** The image each workload container ran, by `Kind/name/container`, with the digest the kubelet resolved it to. */
function ranImages(entries: ReadonlyArray<{ object: KubeObject; pods: KubeObject[] }>): Record<string, { ref: string; digest: string }> {
  const images: Record<string, { ref: string; digest: string }> = {};
  for (const { object, pods } of entries) {
    for (const pod of pods) {
      const statuses = [...(pod['status']?.['initContainerStatuses'] ?? []), ...(pod['status']?.['containerStatuses'] ?? [])] as Array<
        Record<string, unknown>
      >;
      for (const s of statuses) {
        const digest = IMAGE_DIGEST.exec(String(s['imageID'] ?? ''))?.[1];
        if (digest) images[`${objectKey(object)}/${String(s['name'])}`] = { ref: String(s['image'] ?? ''), digest };
      }
    }
  }
  return images;
}
