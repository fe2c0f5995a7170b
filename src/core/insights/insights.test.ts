import { describe, expect, it } from 'vitest';
import type { ExecutionStage, ReleaseState } from '../release/release.js';
import { computeInsights, percentile, windowStart, type AppliedRelease } from './insights.js';

/** A release of `application` in `environment`, created and finished at the given times (March 2026, UTC). */
function release(
  id: string,
  where: `${string}/${string}`,
  created: string,
  finished: string,
  state: ReleaseState,
  stage: ExecutionStage = state === 'succeeded' ? 'completed' : state === 'failed' ? 'failed' : 'interrupted',
): AppliedRelease {
  const [environment, application] = where.split('/') as [string, string];
  return {
    id,
    environment,
    application,
    state,
    createdAt: `2026-03-${created}:00.000Z`,
    execution: { stage, finishedAt: `2026-03-${finished}:00.000Z` },
  };
}

const NOW = new Date('2026-03-10T12:00:00.000Z');

// A week of one team's releases; the expected keys are worked out by hand below.
const HISTORY: AppliedRelease[] = [
  release('r01', 'staging/web', '03T10:00', '03T23:00', 'succeeded'), // before the window: not counted
  release('r02', 'staging/web', '04T08:00', '04T09:00', 'succeeded'), // lead 1 h
  release('r03', 'staging/web', '05T10:00', '05T10:30', 'failed'), // restored by r04 after 1.5 h
  release('r04', 'staging/web', '05T11:00', '05T12:00', 'succeeded'), // lead 1 h
  release('r05', 'staging/web', '06T00:00', '06T06:00', 'rolled_back', 'completed'), // a success rolled back: lead 6 h
  release('r06', 'staging/web', '06T07:00', '06T07:10', 'succeeded'), // the rollback: lead 10 min
  release('r07', 'staging/api', '08T00:00', '08T01:00', 'rolled_back', 'failed'), // failed, rolled back by r08 after 2 h
  release('r08', 'staging/api', '08T01:30', '08T03:00', 'succeeded'), // lead 1.5 h
  release('r09', 'staging/api', '09T00:00', '09T00:20', 'failed'), // not restored yet
  release('r10', 'staging/api', '09T04:00', '09T05:00', 'interrupted'), // Shipgate could not drive it: not counted
  release('r11', 'production/web', '10T09:00', '10T11:00', 'succeeded'), // lead 2 h; restores nothing in staging
  release('r12', 'production/web', '10T12:30', '10T13:00', 'succeeded'), // finishes after now: not counted
];

describe('insights (the DORA keys)', () => {
  it('computes the four keys and the daily series of a known week', () => {
    const insights = computeInsights(HISTORY, { now: NOW, days: 7 });
    // Deployments: r02, r04, r05, r06, r08, r11.
    expect(insights.deploymentsPerDay).toBe(6 / 7);
    // Lead times 600, 3600, 3600, 5400, 7200, 21600 s: p50 halfway between 3600 and 5400, p90 halfway between 7200 and 21600.
    expect(insights.leadTimeSeconds).toEqual({ p50: 4500, p90: 14400 });
    // Nine applied releases; r03 and r09 failed, r05 and r07 were rolled back.
    expect(insights.changeFailureRate).toBe(4 / 9);
    // r03 → r04 5400 s, r07 → r08 7200 s.
    expect(insights.timeToRestoreSeconds).toEqual({ p50: 6300 });
    expect(insights.series).toEqual([
      { day: '2026-03-04', succeeded: 1, failed: 0, rolledBack: 0 },
      { day: '2026-03-05', succeeded: 1, failed: 1, rolledBack: 0 },
      { day: '2026-03-06', succeeded: 1, failed: 0, rolledBack: 1 },
      { day: '2026-03-07', succeeded: 0, failed: 0, rolledBack: 0 },
      { day: '2026-03-08', succeeded: 1, failed: 0, rolledBack: 1 },
      { day: '2026-03-09', succeeded: 0, failed: 1, rolledBack: 0 },
      { day: '2026-03-10', succeeded: 1, failed: 0, rolledBack: 0 },
    ]);
  });

  it('counts the window in calendar days (UTC), today included', () => {
    expect(windowStart(NOW, 1).toISOString()).toBe('2026-03-10T00:00:00.000Z');
    expect(windowStart(NOW, 7).toISOString()).toBe('2026-03-04T00:00:00.000Z');
    const today = computeInsights(HISTORY, { now: NOW, days: 1 });
    expect(today.series).toEqual([{ day: '2026-03-10', succeeded: 1, failed: 0, rolledBack: 0 }]);
    expect(today).toMatchObject({ deploymentsPerDay: 1, leadTimeSeconds: { p50: 7200, p90: 7200 }, changeFailureRate: 0 });
    expect(today.timeToRestoreSeconds.p50).toBeNull();
  });

  it('restores a failure only by a success of the same application in the same environment', () => {
    const elsewhere = [
      release('a', 'staging/web', '09T00:00', '09T01:00', 'failed'),
      release('b', 'production/web', '09T02:00', '09T03:00', 'succeeded'),
      release('c', 'staging/api', '09T02:00', '09T03:00', 'succeeded'),
      release('d', 'staging/web', '09T02:00', '09T04:00', 'failed'),
    ];
    expect(computeInsights(elsewhere, { now: NOW, days: 7 }).timeToRestoreSeconds.p50).toBeNull();
    const restored = [...elsewhere, release('e', 'staging/web', '09T05:00', '09T06:00', 'succeeded')];
    // Each failure counts from its own end: a → e 5 h, d → e 2 h.
    expect(computeInsights(restored, { now: NOW, days: 7 }).timeToRestoreSeconds.p50).toBe((5 * 3600 + 2 * 3600) / 2);
  });

  it('answers null (never NaN) without data, and zero deployments per day', () => {
    const empty = computeInsights([], { now: NOW, days: 30 });
    expect(empty).toMatchObject({
      deploymentsPerDay: 0,
      leadTimeSeconds: { p50: null, p90: null },
      changeFailureRate: null,
      timeToRestoreSeconds: { p50: null },
    });
    expect(empty.series).toHaveLength(30);
    expect(empty.series.every((d) => d.succeeded + d.failed + d.rolledBack === 0)).toBe(true);
    const onlyInterrupted = computeInsights([HISTORY[9]!], { now: NOW, days: 7 });
    expect(onlyInterrupted.changeFailureRate).toBeNull();
    expect(JSON.stringify(onlyInterrupted)).not.toContain('NaN');
  });

  it('interpolates percentiles between the nearest ranks', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([40, 10, 30, 20], 50)).toBe(25);
    expect(percentile([10, 20, 30, 40, 50], 90)).toBe(46);
  });
});
