import { canonicalJson } from '../canonical-json.js';
import { sha256Digest } from '../digest.js';
import type { Channel, ReleaseKind, Runtime } from '../release/release.js';

/** Event types of the release timeline. */
export const TIMELINE_EVENT_TYPES = [
  'release.created',
  'release.updated',
  'preview.created',
  'release.submitted',
  'approval.requested',
  'approval.approved',
  'approval.rejected',
  'approval.decision_recorded',
  'approval.denied',
  'approval.expired',
  'approval.voided',
  'apply.requested',
  'apply.rejected',
  'release.state_changed',
  'execution.started',
  'execution.stage_changed',
  'execution.succeeded',
  'execution.failed',
  'execution.interrupted',
  'diagnostics.recorded',
  'rollback.requested',
  'rollback.completed',
  'release.cancelled',
] as const;
export type TimelineEventType = (typeof TIMELINE_EVENT_TYPES)[number];

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

/** The `prevHash` of the first event. */
export const GENESIS_HASH = `sha256:${'0'.repeat(64)}`;

/** The hash of an event: sha256 over its canonical content and the hash before it. */
export function eventHash(event: Omit<TimelineEvent, 'hash'>): string {
  const { id, seq, releaseId, type, at, actor, channel, release, data, prevHash } = event;
  return sha256Digest(canonicalJson({ id, seq, releaseId, type, at, actor, channel, release, data, prevHash }));
}

/** Places an event after the chain's head. */
export function chainEvent(event: NewTimelineEvent, head: { seq: number; hash: string }): TimelineEvent {
  const unhashed = { ...event, seq: head.seq + 1, prevHash: head.hash };
  return { ...unhashed, hash: eventHash(unhashed) };
}

/** The result of checking the chain. */
export type ChainVerification = { ok: true; checked: number } | { ok: false; checked: number; firstBrokenSeq: number };

/**
 * Walks events in `seq` order and finds the first that is missing, altered or unlinked.
 * Feed it pages in order; it keeps the running state.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prevHash = GENESIS_HASH;
  private checked = 0;
  private broken: number | null = null;

  /** Checks the next event; returns false once the chain is broken. */
  push(event: TimelineEvent): boolean {
    if (this.broken !== null) return false;
    if (event.seq !== this.expectedSeq) this.broken = this.expectedSeq;
    else if (event.prevHash !== this.prevHash || eventHash(event) !== event.hash) this.broken = event.seq;
    if (this.broken !== null) return false;
    this.checked += 1;
    this.expectedSeq = event.seq + 1;
    this.prevHash = event.hash;
    return true;
  }

  /** The verdict; `headSeq` is the seq the store says is last, so a deleted tail is found too. */
  result(headSeq: number): ChainVerification {
    if (this.broken === null && headSeq >= this.expectedSeq) this.broken = this.expectedSeq;
    return this.broken === null
      ? { ok: true, checked: this.checked }
      : { ok: false, checked: this.checked, firstBrokenSeq: this.broken };
  }
}
