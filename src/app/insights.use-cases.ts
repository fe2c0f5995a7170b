import { environmentsWith } from '../core/access/access.js';
import { ShipgateError } from '../core/errors.js';
import { computeInsights, windowStart, type Insights } from '../core/insights/insights.js';
import { INSIGHTS_WINDOW_DAYS } from '../core/insights/insights-window.js';
import { RELEASE_STATES, type ReleaseState } from '../core/release/release.js';
import type { AppContext } from './app-context.js';
import { missingFor, requirePermission, type Caller } from './caller.js';

export interface InsightsInput {
  environment?: string;
  application?: string;
  /** How many days (UTC, today included) to look back: 1–365, default 30. */
  windowDays?: number;
}

/** How many releases are in each state, per environment, and how many wait for an executor: what metrics count. */
export interface ReleaseCensus {
  /** Every environment and every state, zeros included. */
  releases: Array<{ environment: string; state: ReleaseState; count: number }>;
  /** Releases applied and queued that no executor has claimed yet. */
  queued: number;
}

/** Insights: the DORA keys of the releases a caller may read, and the counts the metrics endpoint publishes. */
export class InsightsUseCases {
  constructor(private readonly ctx: AppContext) {}

  /**
   * The four DORA keys (see `core/insights`) over the releases of the environments the caller may read, narrowed to
   * one environment (`deployment:read` on it, checked before anything is read) and one application when asked.
   */
  async dora(caller: Caller, input: InsightsInput): Promise<Insights> {
    const days = input.windowDays ?? INSIGHTS_WINDOW_DAYS.default;
    if (!Number.isInteger(days) || days < INSIGHTS_WINDOW_DAYS.min || days > INSIGHTS_WINDOW_DAYS.max) {
      const message = `must be a whole number of days from ${INSIGHTS_WINDOW_DAYS.min} to ${INSIGHTS_WINDOW_DAYS.max}`;
      throw new ShipgateError('VALIDATION_FAILED', `windowDays ${message}`, { errors: [{ path: '/querystring/windowDays', message }] });
    }
    if (input.environment !== undefined) {
      requirePermission(caller, 'deployment:read', input.environment);
      if (!(await this.ctx.store.environments.get(input.environment))) {
        throw missingFor(caller, 'deployment:read', `environment "${input.environment}"`);
      }
    }
    const now = this.ctx.clock.now();
    const applied = await this.ctx.store.releases.applied({
      readable: environmentsWith(caller.principal, 'deployment:read'),
      environment: input.environment,
      application: input.application,
      finishedFrom: windowStart(now, days).toISOString(),
    });
    return computeInsights(applied, { now, days });
  }

  /**
   * The counts of every environment's releases, for the metrics endpoint (guarded by its own token, not a caller's
   * permissions): it names environments and states, never anything of a release.
   */
  async census(): Promise<ReleaseCensus> {
    const [environments, counts] = await Promise.all([this.ctx.store.environments.list(), this.ctx.store.releases.counts()]);
    const byKey = new Map<string, number>();
    let queued = 0;
    for (const c of counts) {
      const key = `${c.environment}\u0000${c.state}`;
      byKey.set(key, (byKey.get(key) ?? 0) + c.count);
      if (c.state === 'applying' && c.stage === 'queued') queued += c.count;
    }
    const names = [...new Set([...environments.map((e) => e.name), ...counts.map((c) => c.environment)])].sort();
    const releases = names.flatMap((environment) =>
      RELEASE_STATES.map((state) => ({ environment, state, count: byKey.get(`${environment}\u0000${state}`) ?? 0 })),
    );
    return { releases, queued };
  }
}
