import { describe, expect, it } from 'vitest';
import { RELEASE_STATES, type ReleaseState } from './release.js';
import { TRANSITIONS, canTransition, transition, type ReleaseCommand } from './release-machine.js';
import { isShipgateError } from '../errors.js';

describe('release state machine', () => {
  it('allows exactly the transitions of the table', () => {
    for (const command of Object.keys(TRANSITIONS) as ReleaseCommand[]) {
      for (const state of RELEASE_STATES) {
        const allowed = (TRANSITIONS[command].from as readonly ReleaseState[]).includes(state);
        expect(canTransition(state, command), `${command} from ${state}`).toBe(allowed);
        if (allowed) expect(transition(state, command)).toEqual({ command, from: state, to: TRANSITIONS[command].to });
        else {
          try {
            transition(state, command);
            expect.unreachable();
          } catch (error) {
            expect(isShipgateError(error, 'INVALID_STATE')).toBe(true);
            expect((error as Error).message).toContain(state);
          }
        }
      }
    }
  });

  it('follows the governed flow', () => {
    expect(transition('draft', 'preview').to).toBe('previewed');
    expect(transition('previewed', 'submitForApproval').to).toBe('pending_approval');
    expect(transition('pending_approval', 'approve').to).toBe('approved');
    expect(transition('approved', 'apply').to).toBe('applying');
    expect(transition('applying', 'succeed').to).toBe('succeeded');
    expect(transition('succeeded', 'markRolledBack').to).toBe('rolled_back');
  });

  it('never leaves a terminal state except to be rolled back', () => {
    for (const state of ['rejected', 'cancelled', 'rolled_back'] as const) {
      for (const command of Object.keys(TRANSITIONS) as ReleaseCommand[]) expect(canTransition(state, command)).toBe(false);
    }
    expect(canTransition('applying', 'cancel')).toBe(false);
    expect(canTransition('pending_approval', 'apply')).toBe(false);
    expect(canTransition('previewed', 'apply')).toBe(false);
    expect(canTransition('previewed', 'applyWithoutApproval')).toBe(true);
  });
});
