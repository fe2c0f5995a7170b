/**
 * What one process tells the others sharing its store: a release has new events, an apply waits, deliveries wait, a
 * token was revoked (forget what was remembered of tokens).
 */
export type Change =
  | { kind: 'release'; releaseId: string }
  | { kind: 'work' }
  | { kind: 'deliveries' }
  | { kind: 'tokens' }
  | { kind: 'resync' };

/**
 * Changes passed between the processes that share one store (PostgreSQL's LISTEN/NOTIFY). Best effort: a reader
 * still polls now and then, and a `resync` (after the feed reconnected) means anything may have changed.
 */
export interface ChangeFeed {
  /** Tells the other processes; never throws, never waits for them. */
  publish(change: Change): void;
  /** The changes other processes published (and `resync`); returns the unsubscribe. */
  subscribe(listener: (change: Change) => void): () => void;
  close(): Promise<void>;
}
