import { ROLLBACK_SOURCE_STATES as CORE_ROLLBACK_SOURCE_STATES } from '../../../src/core/release/release-machine';
import { RELEASE_STATES as CORE_RELEASE_STATES, TERMINAL_STATES as CORE_TERMINAL_STATES } from '../../../src/core/release/release';
import type { ReleaseState } from './client';

/** The same list of states as the API's: a state the core adds or drops without the API following stops the build. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statesMatchTheApi: Same<(typeof CORE_RELEASE_STATES)[number], ReleaseState> = true;
void statesMatchTheApi;

/** Every release state, in lifecycle order: the core's list. */
export const RELEASE_STATES: readonly ReleaseState[] = CORE_RELEASE_STATES;

/** True for a state the API knows; text from the address bar is checked before it reaches a request. */
export function isReleaseState(value: string): value is ReleaseState {
  return (RELEASE_STATES as readonly string[]).includes(value);
}

/** Not applied yet: the release may be previewed again (an approval survives that) or cancelled. */
/** States a release's stream ends in: nothing more happens to it there (the core's list). */
export const TERMINAL_STATES: readonly ReleaseState[] = CORE_TERMINAL_STATES;

export const OPEN_STATES: readonly ReleaseState[] = ['draft', 'previewed', 'pending_approval', 'approved'];

/** The runtime gave an outcome: a rollback may restore what ran before (the core's rule). */
export const ROLLBACK_SOURCE_STATES: readonly ReleaseState[] = CORE_ROLLBACK_SOURCE_STATES;

/** The execution did not succeed: its message and the diagnostics come first. */
export const UNSUCCESSFUL_STATES: readonly ReleaseState[] = ['failed', 'interrupted'];

/** Applied at least once: there is something at the runtime to diagnose. */
export const DIAGNOSABLE_STATES: readonly ReleaseState[] = ['applying', 'succeeded', 'failed', 'interrupted', 'rolled_back'];

/** An API enum value in words: `pending_approval` → `pending approval`. */
export function inWords(value: string): string {
  return value.replaceAll('_', ' ');
}
