import type { NewTimelineEvent } from '../core/audit/timeline-event.js';
import { ShipgateError } from '../core/errors.js';
import { canTransition, transition, type ReleaseCommand, type Transition } from '../core/release/release-machine.js';
import type { ReleaseRecord } from '../core/release/release.js';
import type { ReleasePatch, StoreSession } from '../ports/store.js';
import type { Caller } from './caller.js';
import type { TimelineEvents } from './release-events.js';

/**
 * What a writer wants when another writer moved the release first (or the move is not allowed from its state):
 * `conflict` answers `INVALID_STATE` naming the state it is in now (a request: the caller must see it failed);
 * `skip` leaves the release as the other writer left it (a background writer: the executor, a sweeper).
 */
export type LostRace = 'conflict' | 'skip';

/** A move that happened: the transition, and its `release.state_changed` event to append with the writer's others. */
export interface Moved {
  transition: Transition;
  /** Null when the command leaves the state as it was. */
  stateEvent: NewTimelineEvent | null;
}

/**
 * The one door through which a release changes state: the transition table decides the move, a compare-and-set on
 * the state it was read in writes it, and the `release.state_changed` event records it. Every writer (use cases,
 * approvals, the executor, the sweepers) goes through here, naming its lost-race policy at the call.
 */
export class ReleaseTransitions {
  constructor(private readonly events: TimelineEvents) {}

  /**
   * Moves `release` by `command`, writing `patch` with the new state.
   * @returns the move, or null when `lostRace` is `skip` and the release could not be moved
   * @example const moved = await transitions.move(tx, release, 'cancel', { by: caller, lostRace: 'conflict' })
   */
  async move(
    tx: StoreSession,
    release: ReleaseRecord,
    command: ReleaseCommand,
    options: { by: Caller | null; lostRace: LostRace; patch?: ReleasePatch; leaseExpiredAt?: string },
  ): Promise<Moved | null> {
    if (options.lostRace === 'skip' && !canTransition(release.state, command)) return null;
    const t = transition(release.state, command);
    const condition = options.leaseExpiredAt === undefined ? undefined : { leaseExpiredAt: options.leaseExpiredAt };
    if (!(await this.write(tx, release, { ...options.patch, state: t.to }, options.lostRace, command, condition))) return null;
    const stateEvent =
      t.from === t.to ? null : this.events.for(release, options.by).make('release.state_changed', { from: t.from, to: t.to });
    return { transition: t, stateEvent };
  }

  /**
   * Changes a release without moving it (a fresh preview, a new execution stage), on the condition that it is still
   * in the state it was read in.
   * @returns false when `lostRace` is `skip` and another writer moved it first
   */
  async update(tx: StoreSession, release: ReleaseRecord, patch: ReleasePatch, lostRace: LostRace): Promise<boolean> {
    return this.write(tx, release, { ...patch, state: release.state }, lostRace, 'update');
  }

  private async write(
    tx: StoreSession,
    release: ReleaseRecord,
    patch: ReleasePatch,
    lostRace: LostRace,
    what: string,
    condition?: { leaseExpiredAt: string },
  ): Promise<boolean> {
    if (await tx.releases.compareAndSet(release.id, release.state, patch, condition)) return true;
    if (lostRace === 'skip') return false;
    const now = await tx.releases.get(release.id);
    throw new ShipgateError('INVALID_STATE', `release changed concurrently (now "${now?.state}"); ${what} was not applied`, {
      state: now?.state,
    });
  }
}
