import { imagePullFailed, type Finding } from '../../../core/diagnostics/diagnostics.js';
import { redactDeep, redactText } from '../../../core/secrets/secret-masking.js';
import type { ApplyOptions, ApplyOutcome } from '../../../ports/runtime-driver.js';
import type { ComposeCli } from './compose-cli.js';
import type { ComposeModel } from './compose-model.js';
import { serviceHealth } from './compose-health.js';
import type { DockerEngine } from './docker-engine.js';

/**
 * How long a service without a health check must have kept running (and its restart count still) to count as
 * settled: Compose's `--wait` only sees it running once, which a crash-looping container also is for a moment.
 */
const SETTLE_MS = 1_000;

/**
 * How much longer to wait before the containers without a health check have each run {@link SETTLE_MS} since they
 * (last) started, as the engine recorded it: often nothing, as `up --wait` took that long for the others. A container
 * restarted meanwhile has a recent start, so the wait is whole again. Assumes this host's clock and the engine's agree
 * (NTP); a container of unknown start waits the whole time.
 */
export function settleWaitMs(containers: ReadonlyArray<{ hasHealthcheck: boolean; startedAt: string | null }>, now: number): number {
  let wait = 0;
  for (const c of containers) {
    if (c.hasHealthcheck) continue;
    const started = c.startedAt === null ? Number.NaN : Date.parse(c.startedAt);
    const ranFor = Number.isFinite(started) ? Math.max(0, now - started) : 0;
    wait = Math.max(wait, SETTLE_MS - Math.min(ranFor, SETTLE_MS));
  }
  return wait;
}

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
    const finding = classifyUpFailure(result.output, model, project, secrets);
    return { ok: false, message: redactText(failureMessage(result.output), secrets), runtimeState: null, ...(finding ? { finding } : {}) };
  }
  await options.onStage('verifying', 'checking that every service is running and healthy');
  const first = await engine.projectContainers(project);
  const wait = Math.min(settleWaitMs(first, Date.now()), Math.max(0, options.deadline.getTime() - Date.now()));
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  // The second look sees a restart or an exit during the wait; without a wait, the first look is the last.
  const containers = wait > 0 ? await engine.projectContainers(project) : first;
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
  return meaningfulLines(output).slice(-5).join('\n') || 'docker compose up failed';
}

/** Compose's and the CLI's own warnings (`WARN[0000] …`, `level=warning …`): never the reason an `up` failed. */
const WARNING_LINE = /^(WARN\[\d+\]|level=warn)/i;

function meaningfulLines(output: readonly string[]): string[] {
  return output.map((l) => l.trim().replace(/^[✘✔⠿]\s*/u, '')).filter((l) => l && !PROGRESS_LINE.test(l));
}

/** A pull's own progress line (`web Pulling`, `Image nginx:1 Error …`): its subject is a service name or an image. */
const PULL_EVENT = /^(?:Image\s+)?(\S+)\s+(Pulling|Pulled|Error|Warning|Interrupted)\b\s*(.*)$/;
/** What the engine or a registry says when an image cannot be had (the registry's API lives under `/v2/`). */
const PULL_REFUSAL = new RegExp(
  [
    'pull access denied',
    'manifest unknown',
    'repository does not exist',
    'no such image',
    'failed to resolve reference',
    'failed to pull',
    'error pulling image',
    'toomanyrequests',
    'requested access to the resource is denied',
    'unauthorized: authentication required',
    String.raw`\bpull(ing)?\b`,
    String.raw`https?://\S+/v2/`,
  ].join('|'),
  'i',
);
/** `--wait` gave up: Compose's own `application not healthy after 20s`, or a deadline. */
const WAIT_TIMEOUT = /application not healthy after|timeout waiting|timed out|deadline exceeded/i;
/** A container that started and then exited or failed its health check: diagnostics explain it from the container. */
const HEALTH_AFTER_UP = /^(dependency failed to start: )?container \S+ (is unhealthy|exited \(-?\d+\))/i;
/** Compose's progress on `--wait`: which containers it waited for, and which of them got there. */
const WAIT_PROGRESS = /^Container\s+(\S+)\s+(Waiting|Healthy|Exited|Error)$/;
/** Compose naming a service in its own words: `service "web" refers to …`, `services.web Additional property …`. */
const SERVICE_NAMED = /\bservices?[ .]"?([A-Za-z0-9][A-Za-z0-9._-]*?)"?(?=[\s.:]|$)/;
const DAEMON_PREFIX = /^Error response from daemon:\s*/i;
/** How many lines of Compose's output a finding keeps as evidence. */
const EVIDENCE_LINES = 8;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Reads the lines of a failed `up` against the model: which service each line is about. */
class UpOutput {
  readonly lines: string[];
  private readonly services: Array<[string, string | undefined]>;
  /** Subjects (services or images) Compose started pulling. */
  private readonly pulling: Set<string>;

  constructor(
    private readonly output: readonly string[],
    model: ComposeModel,
    private readonly project: string,
  ) {
    // A pull's progress is not a reason; a pull's error is.
    this.lines = meaningfulLines(output).filter((l) => !WARNING_LINE.test(l) && (PULL_EVENT.exec(l)?.[2] ?? 'Error') === 'Error');
    this.pulling = new Set(output.map((l) => PULL_EVENT.exec(l.trim())).flatMap((m) => (m?.[2] === 'Pulling' ? [m[1]!] : [])));
    this.services = Object.entries(model.services ?? {}).map(([name, s]) => [name, s.image]);
  }

  /** The service whose image the line names (only where the image stands as a word of its own). */
  byImage(line: string): string | null {
    const found = this.services.find(
      ([, image]) => image && new RegExp(String.raw`(^|[\s"'])${escapeRegExp(image)}($|[\s"':,])`).test(line),
    );
    return found?.[0] ?? null;
  }

  /** The service a line is about: by name or image as a pull's subject, by the image it names, or by its container's name. */
  serviceOf(line: string): string | null {
    const subject = PULL_EVENT.exec(line)?.[1] ?? SERVICE_NAMED.exec(line)?.[1];
    const named = subject ? this.services.find(([name, image]) => name === subject || image === subject) : undefined;
    if (named) return named[0];
    const byContainer = this.services.find(([name]) =>
      new RegExp(String.raw`\b${escapeRegExp(`${this.project}-${name}-`)}\d+\b`).test(line),
    );
    return this.byImage(line) ?? byContainer?.[0] ?? null;
  }

  /** Lines that say an image could not be pulled: a failed pull event, a registry's refusal, or "not found" of an image. */
  pullFailures(): string[] {
    return this.lines.filter((l) => {
      const event = PULL_EVENT.exec(l);
      if (event) return this.pulling.has(event[1]!) || this.serviceOf(l) !== null;
      return PULL_REFUSAL.test(l) || (/not found/i.test(l) && this.byImage(l) !== null);
    });
  }

  /** Services whose containers Compose was still waiting for (from the raw progress lines). */
  stillWaiting(): string[] {
    const waiting = new Set<string>();
    for (const line of this.output) {
      const m = WAIT_PROGRESS.exec(line.trim());
      if (m?.[2] === 'Waiting') waiting.add(m[1]!);
      else if (m) waiting.delete(m[1]!);
    }
    return [...waiting];
  }

  first(lines: readonly string[]): string | null {
    return lines.map((l) => this.serviceOf(l)).find((s) => s !== null) ?? null;
  }
}

/**
 * What a failed `docker compose up` says went wrong, as one classified finding (secrets masked): an image that could
 * not be pulled (`IMAGE_PULL_FAILED`), `--wait` running out of time (`ROLLOUT_TIMEOUT`), or the engine or Compose
 * refusing the project (`APPLY_REJECTED`: an invalid spec, a port already allocated, …). A container that started and
 * then exited or turned unhealthy gives none: the diagnostics of its container explain it.
 * @example classifyUpFailure(['Error response from daemon: manifest unknown'], model, 'shop-web', []) // IMAGE_PULL_FAILED
 */
export function classifyUpFailure(
  output: readonly string[],
  model: ComposeModel,
  project: string,
  secrets: readonly string[],
): Finding | undefined {
  const up = new UpOutput(output, model, project);
  const resource = (service: string | null) => (service ? { kind: 'Service', name: service } : { kind: 'Project', name: project });
  const shown = (evidence: readonly string[]) => evidence.slice(-EVIDENCE_LINES).join('\n');
  const finding = (code: string, service: string | null, message: string, evidence: readonly string[]): Finding =>
    redactDeep({ severity: 'error', code, resource: resource(service), message, evidence: shown(evidence) }, secrets);
  const pulls = up.pullFailures();
  if (pulls.length > 0) {
    const service = up.first(pulls);
    const image = (service ? model.services[service]?.image : undefined) ?? '';
    return redactDeep(imagePullFailed(resource(service), image, service ? `service ${service}` : 'the project', shown(pulls)), secrets);
  }
  const timeouts = up.lines.filter((l) => WAIT_TIMEOUT.test(l));
  if (timeouts.length > 0) {
    const waiting = up.stillWaiting();
    const service = waiting.map((c) => up.serviceOf(c)).find((s) => s !== null) ?? null;
    const evidence = [...(waiting.length > 0 ? [`still waiting for ${waiting.join(', ')}`] : []), ...timeouts];
    const who = service ? `service ${service} was` : 'the services were';
    return finding('ROLLOUT_TIMEOUT', service, `${who} not running and healthy within the time limit`, evidence);
  }
  if (up.lines.length === 0 || up.lines.some((l) => HEALTH_AFTER_UP.test(l))) return undefined;
  const service = up.first(up.lines);
  const reason = (up.lines.find((l) => DAEMON_PREFIX.test(l)) ?? up.lines.at(-1)!).replace(DAEMON_PREFIX, '');
  return finding('APPLY_REJECTED', service, `${service ? `service ${service}` : 'the project'} was refused: ${reason}`, up.lines);
}
