import { canonicalJson } from '../canonical-json.js';
import { sha256Digest } from '../digest.js';
import type { Channel, ReleaseKind, Runtime } from '../release/release.js';
import type { TimelineEventType } from './timeline-event-types.js';

export { TIMELINE_EVENT_TYPES, type TimelineEventType } from './timeline-event-types.js';

export interface Actor {
  type: 'user' | 'system' | 'ai';
  id: string;
}

/** Release metadata every event carries, so an event reads on its own. */
export interface ReleaseMeta {
  application: string;
  environment: string;
  runtime: Runtime;
  kind: ReleaseKind;
}

/** An event before it is placed in the chain. */
export interface NewTimelineEvent {
  id: string;
  releaseId: string;
  type: TimelineEventType;
  at: string;
  actor: Actor;
  channel: Channel;
  release: ReleaseMeta;
  data: Record<string, unknown>;
}

/** A stored, chained event. */
export interface TimelineEvent extends NewTimelineEvent {
  seq: number;
  prevHash: string;
  hash: string;
}

/** The `prevHash` of the first event (a marker, not the hash of anything). */
export const GENESIS_HASH = `sha256:${'0'.repeat(64)}`;

/** Prefix of a keyed event hash: HMAC-SHA256 under the audit key. Every event appended now carries it. */
export const KEYED_HASH_PREFIX = 'hmac-sha256:';

/** Any hash the chain may hold (so any hash a checkpoint may name). */
export const CHAIN_HASH_PATTERN = '^(hmac-sha256|sha256):[0-9a-f]{64}$';

/**
 * HMAC-SHA256 under the audit key. The key lives in the adapter that implements this (never in the core, never in
 * the database): whoever can write the database cannot compute it.
 */
export interface ChainHasher {
  /** Lowercase hex HMAC-SHA256 of `text` (UTF-8). */
  hmacSha256Hex(text: string): string;
}

/** The canonical text an event's hash covers: every field but the hash, its `prevHash` included. */
function hashedContent(event: Omit<TimelineEvent, 'hash'>): string {
  const { id, seq, releaseId, type, at, actor, channel, release, data, prevHash } = event;
  return canonicalJson({ id, seq, releaseId, type, at, actor, channel, release, data, prevHash });
}

/** The hash of an event: `hmac-sha256:<hex>` over its canonical content and the hash before it. */
export function eventHash(event: Omit<TimelineEvent, 'hash'>, hasher: ChainHasher): string {
  return `${KEYED_HASH_PREFIX}${hasher.hmacSha256Hex(hashedContent(event))}`;
}

/** The unkeyed hash events had before the chain was keyed (anyone can recompute it: a checkpoint protects these). */
export function legacyEventHash(event: Omit<TimelineEvent, 'hash'>): string {
  return sha256Digest(hashedContent(event));
}

/** Places an event after the chain's head. */
export function chainEvent(event: NewTimelineEvent, head: { seq: number; hash: string }, hasher: ChainHasher): TimelineEvent {
  const unhashed = { ...event, seq: head.seq + 1, prevHash: head.hash };
  return { ...unhashed, hash: eventHash(unhashed, hasher) };
}

/** Why a chain failed: an event is missing, altered, unlinked or unkeyed (`TAMPERED`), or the chain ends before a
 * point it is known to reach, the head row or a checkpoint (`TRUNCATED`). */
export const CHAIN_FAILURES = ['TAMPERED', 'TRUNCATED'] as const;
export type ChainFailure = (typeof CHAIN_FAILURES)[number];

/** The result of checking the chain; `legacyUnkeyed` counts the unkeyed events of the legacy prefix. */
export type ChainVerification =
  | { ok: true; checked: number; legacyUnkeyed: number }
  | { ok: false; reason: ChainFailure; checked: number; firstBrokenSeq: number; legacyUnkeyed: number };

/** A point of the chain known from outside the database: the event at `seq` must still exist with exactly `hash`. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

/**
 * Walks events in `seq` order and finds the first that is missing, altered, unlinked or unkeyed. Unkeyed (`sha256:`)
 * events pass only as a prefix written before the first keyed one; after it, an unkeyed event is tampering.
 * Feed it pages in order; it keeps the running state.
 * @example const v = new ChainVerifier(hasher, checkpoint); for (const e of events) if (!v.push(e)) break; v.result(head)
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private checked = 0;
  private legacyUnkeyed = 0;
  private keyed = false;
  private broken: { seq: number; reason: ChainFailure } | null = null;

  constructor(
    private readonly hasher: ChainHasher,
    private readonly anchor: ChainAnchor | null = null,
  ) {}

  /** Checks the next event; returns false once the chain is broken. */
  push(event: TimelineEvent): boolean {
    if (this.broken !== null) return false;
    const brokenAt = event.seq !== this.expectedSeq ? this.expectedSeq : this.intact(event) ? null : event.seq;
    if (brokenAt !== null) {
      this.broken = { seq: brokenAt, reason: 'TAMPERED' };
      return false;
    }
    if (event.hash.startsWith(KEYED_HASH_PREFIX)) this.keyed = true;
    else this.legacyUnkeyed += 1;
    this.checked += 1;
    this.expectedSeq = event.seq + 1;
    this.prevHash = event.hash;
    return true;
  }

  /** The verdict; `headSeq` is the seq the store says is last, so a deleted tail is found too. */
  result(headSeq: number): ChainVerification {
    const reach = Math.max(headSeq, this.anchor?.seq ?? 0);
    if (this.broken === null && reach >= this.expectedSeq) this.broken = { seq: this.expectedSeq, reason: 'TRUNCATED' };
    const counts = { checked: this.checked, legacyUnkeyed: this.legacyUnkeyed };
    return this.broken === null
      ? { ok: true, ...counts }
      : { ok: false, reason: this.broken.reason, ...counts, firstBrokenSeq: this.broken.seq };
  }

  private intact(event: TimelineEvent): boolean {
    if (event.prevHash !== this.prevHash) return false;
    if (this.anchor !== null && event.seq === this.anchor.seq && event.hash !== this.anchor.hash) return false;
    if (event.hash.startsWith(KEYED_HASH_PREFIX)) return event.hash === eventHash(event, this.hasher);
    return !this.keyed && event.hash === legacyEventHash(event);
  }
}
