import { redactText } from '../../../core/secrets/secret-masking.js';
import type { ApplyOptions, ApplyOutcome } from '../../../ports/runtime-driver.js';
import type { KubeClient, KubeObject } from './kube-client.js';
import { ownedHealth } from './kubernetes-diagnostics.js';
import { rollUp } from './kubernetes-health.js';
import { WORKLOAD_KINDS, objectKey } from './kubernetes-model.js';

const POLL_MS = 500;
/** A failing container state seen this many polls in a row fails the rollout before its deadline. */
const FAILING_POLLS = 3;

export interface ApplyContext {
  client: KubeClient;
  namespace: string;
  /** What Shipgate owns for the target now (to prune what the release drops). */
  owned: () => Promise<KubeObject[]>;
}

/**
 * Server-side applies every object in order (config before workloads), prunes owned objects the release no longer
 * has, then watches the rollouts of Deployments, StatefulSets and DaemonSets and Jobs to completion, within the
 * environment's time limit.
 */
export async function kubernetesApply(ctx: ApplyContext, desired: readonly KubeObject[], secrets: readonly string[], options: ApplyOptions): Promise<ApplyOutcome> {
  await options.onStage('applying');
  const applied: KubeObject[] = [];
  for (const object of desired) {
    if (options.signal.aborted) throw new Error('aborted');
    applied.push(await ctx.client.apply(object, { dryRun: false }));
  }
  const wanted = new Set(desired.map(objectKey));
  for (const o of await ctx.owned()) {
    if (!wanted.has(objectKey(o))) await ctx.client.remove(o.apiVersion!, o.kind!, ctx.namespace, o.metadata!.name!);
  }
  await options.onStage('waiting_for_rollout', `waiting for ${desired.filter((o) => WORKLOAD_KINDS.has(o.kind!)).length} workloads to roll out`);
  let failingPolls = 0;
  for (;;) {
    if (options.signal.aborted) throw new Error(String((options.signal.reason as Error | undefined)?.message ?? 'aborted'));
    const current = (await ctx.owned()).filter((o) => wanted.has(objectKey(o)));
    const entries = await ownedHealth(ctx.client, ctx.namespace, current);
    const phase = rollUp(entries.map((e) => e.health));
    const failing = entries.filter((e) => e.health.phase === 'failed');
    const deadlineExceeded = failing.some((e) => e.health.findings.some((f) => f.code === 'PROGRESS_DEADLINE_EXCEEDED' || f.code === 'JOB_FAILED'));
    failingPolls = phase === 'failed' ? failingPolls + 1 : 0;
    if (deadlineExceeded || failingPolls >= FAILING_POLLS) {
      return { ok: false, message: redactText(failing.map((e) => `${objectKey(e.object)}: ${e.health.resource.message}`).join('; '), secrets), runtimeState: null };
    }
    if (phase === 'ready' && current.length >= wanted.size) break;
    if (Date.now() >= options.deadline.getTime()) {
      const waiting = entries.filter((e) => e.health.phase !== 'ready').map((e) => `${objectKey(e.object)}: ${e.health.resource.status}`);
      return { ok: false, message: `the rollout did not finish within the time limit (${waiting.join('; ') || 'objects missing'})`, runtimeState: null };
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  await options.onStage('verifying', 'checking every object is ready');
  const final = await ownedHealth(ctx.client, ctx.namespace, (await ctx.owned()).filter((o) => wanted.has(objectKey(o))));
  if (rollUp(final.map((e) => e.health)) !== 'ready') {
    return { ok: false, message: 'a workload stopped being ready while being verified', runtimeState: null };
  }
  return {
    ok: true,
    message: `${applied.length} objects applied, ${final.filter((e) => WORKLOAD_KINDS.has(e.object.kind!)).length} workloads rolled out`,
    runtimeState: { objects: applied.map((o) => ({ kind: o.kind, name: o.metadata?.name, resourceVersion: o.metadata?.resourceVersion })) },
  };
}
