import { EXECUTION_OUTCOMES } from '../release/execution-outcome.js';
import { ranToSuccess } from '../release/release-machine.js';
import type { Execution, ReleaseRecord } from '../release/release.js';

/**
 * The four DORA keys of a window of applied releases. Definitions, as Shipgate counts them:
 *
 * - An *applied release* is one whose apply finished in the window and that ended `succeeded` or `failed`, or was
 *   later `rolled_back`. An `interrupted` apply is Shipgate failing to drive the runtime, not a change failing: not
 *   counted. A release counts on the day (UTC) its apply finished, whatever happened to it later.
 * - A *deployment* is a release that reached `succeeded` (its apply ran to success), rolled back since or not.
 * - *Deployments per day*: deployments ÷ the window's days.
 * - *Lead time*: a deployment's time from the release's creation to its success (p50 and p90).
 * - *Change failure rate*: (failed + rolled back) ÷ (failed + rolled back + succeeded), each applied release counted
 *   once by how it stands now; null without an applied release.
 * - *Time to restore*: from a release whose apply failed to the next success of the same application in the same
 *   environment (p50). A failure not restored yet does not count; neither does a success rolled back later (when it
 *   began to fail is not known).
 *
 * Percentiles interpolate linearly between the two nearest values. Without data a key is null, never NaN.
 */

/** What the keys need of an applied release: when it was created, when its apply finished, how that ended, its state now. */
export type AppliedRelease = Pick<ReleaseRecord, 'id' | 'application' | 'environment' | 'state' | 'createdAt'> & {
  execution: Pick<Execution, 'stage' | 'finishedAt'>;
};

/** The applied releases of one day (UTC, `YYYY-MM-DD`), each counted once by how it stands now. */
export interface DailyOutcomes {
  day: string;
  succeeded: number;
  failed: number;
  rolledBack: number;
}

export interface Insights {
  deploymentsPerDay: number;
  leadTimeSeconds: { p50: number | null; p90: number | null };
  changeFailureRate: number | null;
  timeToRestoreSeconds: { p50: number | null };
  /** Every day of the window, oldest first, days without releases included. */
  series: DailyOutcomes[];
}

const DAY_MS = 86_400_000;

/** The window's first instant: midnight (UTC) `days - 1` days before `now`, so that it holds `days` days, today included. */
export function windowStart(now: Date, days: number): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - (days - 1) * DAY_MS);
}

/**
 * The `p`th percentile (0–100) of `values`, interpolated linearly between the two nearest ranks; null when empty.
 * @example percentile([10, 20, 30, 40], 50) // 25
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const below = sorted[Math.floor(rank)]!;
  const above = sorted[Math.ceil(rank)]!;
  return below + (above - below) * (rank - Math.floor(rank));
}

type Outcome = keyof Omit<DailyOutcomes, 'day'>;

/** How an applied release stands now, as the series and the change failure rate count it; null: not counted. */
function outcomeOf(release: AppliedRelease): Outcome | null {
  if (release.state === 'succeeded') return 'succeeded';
  if (release.state === 'failed') return 'failed';
  if (release.state === 'rolled_back') return 'rolledBack';
  return null;
}

const secondsBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

/** Each failed apply's time to the next success of its application in its environment (unrestored ones left out). */
function restoreTimes(applied: readonly AppliedRelease[]): number[] {
  const byTarget = new Map<string, AppliedRelease[]>();
  for (const r of applied) {
    const key = `${r.environment}\u0000${r.application}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), r]);
  }
  const times: number[] = [];
  for (const releases of byTarget.values()) {
    releases.forEach((failure, i) => {
      if (failure.execution.stage !== EXECUTION_OUTCOMES.fail.stage) return;
      const restore = releases.slice(i + 1).find(ranToSuccess);
      if (restore) times.push(secondsBetween(failure.execution.finishedAt!, restore.execution.finishedAt!));
    });
  }
  return times;
}

/**
 * The DORA keys of the releases whose apply finished within the `days` days (UTC) ending at `now`.
 * @example computeInsights(applied, { now: new Date(), days: 30 }).changeFailureRate // 0.25
 */
export function computeInsights(releases: readonly AppliedRelease[], window: { now: Date; days: number }): Insights {
  const from = windowStart(window.now, window.days).getTime();
  const until = window.now.getTime();
  const applied = releases
    .filter((r) => {
      const finished = Date.parse(r.execution.finishedAt ?? '');
      return outcomeOf(r) !== null && Number.isFinite(Date.parse(r.createdAt)) && finished >= from && finished <= until;
    })
    .sort((a, b) => a.execution.finishedAt!.localeCompare(b.execution.finishedAt!) || a.id.localeCompare(b.id));

  const series: DailyOutcomes[] = Array.from({ length: window.days }, (_, i) => ({
    day: new Date(from + i * DAY_MS).toISOString().slice(0, 10),
    succeeded: 0,
    failed: 0,
    rolledBack: 0,
  }));
  for (const r of applied) {
    const day = series[Math.floor((Date.parse(r.execution.finishedAt!) - from) / DAY_MS)];
    if (day) day[outcomeOf(r)!] += 1;
  }

  const deployments = applied.filter(ranToSuccess);
  const leadTimes = deployments.map((r) => secondsBetween(r.createdAt, r.execution.finishedAt!));
  const counted = applied.length;
  const failures = applied.filter((r) => outcomeOf(r) !== 'succeeded').length;
  return {
    deploymentsPerDay: deployments.length / window.days,
    leadTimeSeconds: { p50: percentile(leadTimes, 50), p90: percentile(leadTimes, 90) },
    changeFailureRate: counted === 0 ? null : failures / counted,
    timeToRestoreSeconds: { p50: percentile(restoreTimes(applied), 50) },
    series,
  };
}
