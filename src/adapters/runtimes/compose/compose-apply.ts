import { redactText } from '../../../core/secrets/secret-masking.js';
import type { ApplyOptions, ApplyOutcome } from '../../../ports/runtime-driver.js';
import type { ComposeCli } from './compose-cli.js';
import type { ComposeModel } from './compose-model.js';
import { serviceHealth } from './compose-health.js';
import type { DockerEngine } from './docker-engine.js';

/**
 * How long a service without a health check must keep running (and its restart count still) to count as settled:
 * Compose's `--wait` only sees it running once, which a crash-looping container also is for a moment.
 */
const SETTLE_MS = 1_000;

/**
 * Applies a labelled model with `docker compose up -d --wait --remove-orphans`, reporting stages from Compose's own
 * progress (`Waiting` → `waiting_for_rollout`), then verifies every service: running, healthy where it has a health
 * check, and not restarting. A container that exits, crash-loops or stays unhealthy fails the release.
 */
export async function composeApply(
  engine: DockerEngine,
  cli: ComposeCli,
  project: string,
  model: ComposeModel,
  secrets: readonly string[],
  options: ApplyOptions,
): Promise<ApplyOutcome> {
  await options.onStage('applying');
  let waiting = false;
  const stageChanges: Promise<void>[] = [];
  const waitTimeoutSeconds = Math.max(1, Math.floor((options.deadline.getTime() - Date.now()) / 1000));
  const result = await cli.up(project, model, {
    waitTimeoutSeconds,
    signal: options.signal,
    onLine: (line) => {
      if (!waiting && /\bWaiting\b/.test(line)) {
        waiting = true;
        stageChanges.push(options.onStage('waiting_for_rollout', 'waiting for containers to be running and healthy'));
      }
    },
  });
  await Promise.all(stageChanges);
  if (options.signal.aborted) throw new Error(String((options.signal.reason as Error | undefined)?.message ?? 'aborted'));
  if (!waiting) await options.onStage('waiting_for_rollout');
  if (result.code !== 0) {
    return { ok: false, message: redactText(failureMessage(result.output), secrets), runtimeState: null };
  }
  await options.onStage('verifying', 'checking that every service is running and healthy');
  const first = await engine.projectContainers(project);
  if (first.some((c) => !c.hasHealthcheck)) {
    await new Promise((r) => setTimeout(r, Math.min(SETTLE_MS, Math.max(0, options.deadline.getTime() - Date.now()))));
  }
  const containers = await engine.projectContainers(project);
  const problems: string[] = [];
  for (const service of Object.keys(model.services ?? {})) {
    const live = containers.filter((c) => c.service === service);
    const health = serviceHealth(service, live);
    const restarted = live.some((c) => (first.find((f) => f.id === c.id)?.restartCount ?? c.restartCount) !== c.restartCount);
    if (health.phase !== 'ready') problems.push(`${service}: ${health.resource.message || health.resource.status}`);
    else if (restarted) problems.push(`${service}: restarted while being verified`);
  }
  if (problems.length > 0) return { ok: false, message: redactText(problems.join('; '), secrets), runtimeState: null };
  const images: Record<string, { ref: string; id: string; repoDigest: string | null }> = {};
  for (const service of Object.keys(model.services ?? {})) {
    const c = containers.find((x) => x.service === service);
    if (!c) continue;
    const image = await engine.image(c.imageId);
    images[service] = { ref: c.image, id: c.imageId, repoDigest: image?.repoDigests[0] ?? null };
  }
  return { ok: true, message: `${Object.keys(images).length} services running and healthy`, runtimeState: { project, images } };
}

/** Compose's progress lines (`Container shop-web-1 Started`): they tell what went on, not what went wrong. */
const PROGRESS_VERBS = [
  'Creating',
  'Created',
  'Starting',
  'Started',
  'Waiting',
  'Healthy',
  'Running',
  'Recreate',
  'Recreated',
  'Stopping',
  'Stopped',
  'Removing',
  'Removed',
];
const PROGRESS_LINE = new RegExp(String.raw`^(Container|Network|Volume|Image)\s+\S+\s+(${PROGRESS_VERBS.join('|')})$`);

/** The lines of Compose's output that say what went wrong. */
function failureMessage(output: readonly string[]): string {
  const meaningful = output.map((l) => l.trim()).filter((l) => l && !PROGRESS_LINE.test(l));
  return meaningful.slice(-5).join('\n') || 'docker compose up failed';
}
