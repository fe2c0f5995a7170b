import { describe, expect, it } from 'vitest';
import {
  DIAGNOSABLE_STATES,
  OPEN_STATES,
  RELEASE_STATES,
  ROLLBACK_SOURCE_STATES,
  UNSUCCESSFUL_STATES,
  inWords,
  isReleaseState,
} from './release-states';

describe('release states from the API enum', () => {
  it('lists each state once, and the groups only known states', () => {
    expect(new Set(RELEASE_STATES).size).toBe(RELEASE_STATES.length);
    for (const group of [OPEN_STATES, ROLLBACK_SOURCE_STATES, UNSUCCESSFUL_STATES, DIAGNOSABLE_STATES]) {
      expect(group.every(isReleaseState)).toBe(true);
    }
  });

  it('accepts only known states from outside text', () => {
    expect(isReleaseState('pending_approval')).toBe(true);
    expect(isReleaseState('bogus')).toBe(false);
  });

  it('puts enum values in words', () => {
    expect(inWords('pending_approval')).toBe('pending approval');
    expect(inWords('waiting_for_rollout')).toBe('waiting for rollout');
  });
});
