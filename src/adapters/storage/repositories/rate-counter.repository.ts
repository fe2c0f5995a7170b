import { sql } from 'kysely';
import type { RateCount, RateCounter } from '../../../ports/rate-counter.js';
import type { Connection } from './connection.js';

/** Out of how many hits one also removes the windows that ended (so the table holds the live keys only). */
const PURGE_EVERY = 500;

/** Rate-limit windows in `rate_limits`, counted with one upsert per hit, so that every process sees the same count. */
export class KyselyRateCounter implements RateCounter {
  private hits = 0;

  constructor(
    private readonly db: Connection,
    private readonly now: () => number = Date.now,
  ) {}

  async hit(key: string, windowMs: number): Promise<RateCount> {
    const now = this.now();
    const ends = now + windowMs;
    const row = await this.db
      .insertInto('rate_limits')
      .values({ key, window_ends_at: ends, count: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          count: sql<number>`case when rate_limits.window_ends_at <= ${now} then 1 else rate_limits.count + 1 end`,
          window_ends_at: sql<number>`case when rate_limits.window_ends_at <= ${now} then ${ends} else rate_limits.window_ends_at end`,
        }),
      )
      .returning(['count', 'window_ends_at'])
      .executeTakeFirstOrThrow();
    if (++this.hits % PURGE_EVERY === 0) await this.db.deleteFrom('rate_limits').where('window_ends_at', '<=', now).execute();
    return { count: Number(row.count), ttlMs: Math.max(0, Number(row.window_ends_at) - now) };
  }

  async peek(key: string, windowMs: number): Promise<RateCount> {
    const now = this.now();
    const row = await this.db.selectFrom('rate_limits').select(['count', 'window_ends_at']).where('key', '=', key).executeTakeFirst();
    if (!row || Number(row.window_ends_at) <= now) return { count: 0, ttlMs: windowMs };
    return { count: Number(row.count), ttlMs: Number(row.window_ends_at) - now };
  }
}
