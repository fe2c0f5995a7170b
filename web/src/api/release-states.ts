import type { ReleaseState } from './client';

/** `list` as given, when it names every member of `T` once: a member the API adds or drops stops the build here. */
const everyOf =
  <T extends string>() =>
  <const L extends readonly T[]>(list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> })): L =>
    list;

/** Every release state of the API, in lifecycle order. */
export const RELEASE_STATES = everyOf<ReleaseState>()([
  'draft',
  'previewed',
  'pending_approval',
  'approved',
  'rejected',
  'applying',
  'succeeded',
  'failed',
  'interrupted',
  'cancelled',
  'rolled_back',
]);

/** True for a state the API knows; text from the address bar is checked before it reaches a request. */
export function isReleaseState(value: string): value is ReleaseState {
  return (RELEASE_STATES as readonly string[]).includes(value);
}

/** Not applied yet: the release may be previewed again (an approval survives that) or cancelled. */
export const OPEN_STATES: readonly ReleaseState[] = ['draft', 'previewed', 'pending_approval', 'approved'];

/** The runtime gave an outcome: a rollback may restore what ran before. */
export const ROLLBACK_SOURCE_STATES: readonly ReleaseState[] = ['succeeded', 'failed', 'interrupted'];

/** The execution did not succeed: its message and the diagnostics come first. */
export const UNSUCCESSFUL_STATES: readonly ReleaseState[] = ['failed', 'interrupted'];

/** Applied at least once: there is something at the runtime to diagnose. */
export const DIAGNOSABLE_STATES: readonly ReleaseState[] = ['applying', 'succeeded', 'failed', 'interrupted', 'rolled_back'];

/** An API enum value in words: `pending_approval` → `pending approval`. */
export function inWords(value: string): string {
  return value.replaceAll('_', ' ');
}
