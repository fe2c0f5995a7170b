import { describe, expect, it } from 'vitest';
import { lifecycleSteps } from './lifecycle-steps';

const release = (state: string, extra: object = {}) =>
  ({
    state,
    approval: { status: 'pending', ticketId: null, minApprovers: 2, decisions: [] },
    execution: { stage: 'not_started' },
    ...extra,
  }) as never;
const statuses = (state: string, approval: boolean, extra?: object) =>
  lifecycleSteps(release(state, extra), approval).map((s) => `${s.key}:${s.status}`);

describe('lifecycle stepper state', () => {
  it('points at the next step through the governed flow', () => {
    expect(statuses('draft', true)).toEqual(['draft:done', 'preview:current', 'approval:upcoming', 'apply:upcoming', 'observe:upcoming']);
    expect(statuses('previewed', true)).toEqual(['draft:done', 'preview:done', 'approval:current', 'apply:upcoming', 'observe:upcoming']);
    expect(statuses('pending_approval', true)).toEqual([
      'draft:done',
      'preview:done',
      'approval:waiting',
      'apply:upcoming',
      'observe:upcoming',
    ]);
    expect(statuses('approved', true)).toEqual(['draft:done', 'preview:done', 'approval:done', 'apply:current', 'observe:upcoming']);
    expect(statuses('applying', true, { execution: { stage: 'waiting_for_rollout' } })).toEqual([
      'draft:done',
      'preview:done',
      'approval:done',
      'apply:done',
      'observe:waiting',
    ]);
    expect(statuses('succeeded', true).at(-1)).toBe('observe:done');
    expect(statuses('failed', true).at(-1)).toBe('observe:failed');
    expect(statuses('rejected', true)[2]).toBe('approval:failed');
  });

  it('skips approval where the environment needs none', () => {
    expect(statuses('previewed', false)).toEqual(['draft:done', 'preview:done', 'approval:skipped', 'apply:current', 'observe:upcoming']);
    const steps = lifecycleSteps(release('applying', { execution: { stage: 'waiting_for_rollout' } }), false);
    expect(steps[2]!.note).toBe('not required');
    expect(steps[4]!.note).toBe('waiting for rollout');
  });

  it('counts approvals in the note', () => {
    const steps = lifecycleSteps(
      release('pending_approval', {
        approval: { status: 'pending', minApprovers: 2, decisions: [{ approver: 'a', decision: 'approve' }] },
      }),
      true,
    );
    expect(steps[2]!.note).toBe('1 of 2 approvals');
  });
});
