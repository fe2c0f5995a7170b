import { EventEmitter } from 'node:events';
import type { Actor, NewTimelineEvent, TimelineEventType } from '../core/audit/timeline-event.js';
import { redactDeep } from '../core/secrets/secret-masking.js';
import type { Channel, ReleaseRecord } from '../core/release/release.js';
import type { ChangeFeed } from '../ports/change-feed.js';
import type { Clock } from '../ports/clock.js';
import type { Ids } from '../ports/ids.js';
import type { Caller } from './caller.js';
import type { SecretCache } from './secret-cache.js';

/** The system actor: the executor and the sweepers. */
export const SYSTEM_ACTOR: Actor = Object.freeze({ type: 'system', id: 'shipgate' });

/** Who an event names: the calling user (also through the AI channel), or the system. */
export function actorOf(caller: Caller | null): { actor: Actor; channel: Channel } {
  if (!caller) return { actor: SYSTEM_ACTOR, channel: 'api' };
  if (caller.system) return { actor: { type: 'system', id: caller.principal.subject }, channel: caller.channel };
  return { actor: { type: 'user', id: caller.principal.subject }, channel: caller.channel };
}

/**
 * Builds timeline events for one release, with secrets of its spec masked out of their data.
 * @example events.for(release, caller).make('release.created', { draftRevision: 1 })
 */
export class TimelineEvents {
  constructor(
    private readonly clock: Clock,
    private readonly ids: Ids,
    private readonly secrets: SecretCache,
  ) {}

  for(release: ReleaseRecord, caller: Caller | null, channel?: Channel) {
    const who = actorOf(caller);
    const secrets = this.secrets.of(release);
    return {
      make: (type: TimelineEventType, data: Record<string, unknown> = {}): NewTimelineEvent => ({
        id: this.ids.newId(),
        releaseId: release.id,
        type,
        at: this.clock.now().toISOString(),
        actor: who.actor,
        channel: channel ?? (caller ? who.channel : release.channel),
        release: { application: release.application, environment: release.environment, runtime: release.runtime, kind: release.kind },
        data: redactDeep(data, secrets),
      }),
    };
  }
}

const WORK = Symbol('work');
const DELIVERIES = Symbol('deliveries');
const TOKENS = Symbol('tokens');

/**
 * Notification that a release has new events, that an apply waits or that deliveries wait: in this process, and
 * through `feed` (when the store has one) to and from the other processes sharing the store. Readers also poll,
 * slowly with a feed and briskly without, for what a lost notification would hide.
 */
export class ReleaseEventBus {
  private readonly emitter = new EventEmitter();

  constructor(private readonly feed: ChangeFeed | null = null) {
    this.emitter.setMaxListeners(0);
    feed?.subscribe((change) => {
      if (change.kind === 'release') this.emitter.emit(change.releaseId);
      else if (change.kind === 'work') this.emitter.emit(WORK);
      else if (change.kind === 'deliveries') this.emitter.emit(DELIVERIES);
      else if (change.kind === 'tokens') this.emitter.emit(TOKENS);
      else for (const name of this.emitter.eventNames()) this.emitter.emit(name);
    });
  }

  /** True when other processes' changes arrive through a feed (the polls can then be slow). */
  get shared(): boolean {
    return this.feed !== null;
  }

  notify(releaseId: string): void {
    this.emitter.emit(releaseId);
    this.feed?.publish({ kind: 'release', releaseId });
  }

  /** Tells the executor that an apply was recorded. */
  notifyWork(): void {
    this.emitter.emit(WORK);
    this.feed?.publish({ kind: 'work' });
  }

  /**
   * Tells the other processes' executors that this one took an execution lease: they look again, and learn when it
   * ends (should this process die, its release is reported as the lease runs out, not at their next poll).
   */
  notifyLeaseTaken(): void {
    this.feed?.publish({ kind: 'work' });
  }

  onWork(listener: () => void): () => void {
    this.emitter.on(WORK, listener);
    return () => this.emitter.off(WORK, listener);
  }

  /** Tells the webhook dispatcher that deliveries were queued. */
  notifyDeliveries(): void {
    this.emitter.emit(DELIVERIES);
    this.feed?.publish({ kind: 'deliveries' });
  }

  onDeliveries(listener: () => void): () => void {
    this.emitter.on(DELIVERIES, listener);
    return () => this.emitter.off(DELIVERIES, listener);
  }

  /** Tells every process that a token was revoked: what they remember of tokens must be read again. */
  notifyTokensChanged(): void {
    this.emitter.emit(TOKENS);
    this.feed?.publish({ kind: 'tokens' });
  }

  /** Called on a token revoked here or in another process, and on a `resync` (a notification may have been lost). */
  onTokensChanged(listener: () => void): () => void {
    this.emitter.on(TOKENS, listener);
    return () => this.emitter.off(TOKENS, listener);
  }

  subscribe(releaseId: string, listener: () => void): () => void {
    this.emitter.on(releaseId, listener);
    return () => this.emitter.off(releaseId, listener);
  }
}
