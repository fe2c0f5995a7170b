/** A hit count within a window: how many so far, and how long until the window ends. */
export interface RateCount {
  count: number;
  ttlMs: number;
}

/** Fixed-window hit counters shared by every process of one store (rate limits across replicas). */
export interface RateCounter {
  /** Counts one more hit of `key`; a new window of `windowMs` starts once the last one ended. */
  hit(key: string, windowMs: number): Promise<RateCount>;
  /** The window of `key` as it stands, without counting. */
  peek(key: string, windowMs: number): Promise<RateCount>;
}
