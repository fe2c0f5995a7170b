import { describe, expect, it } from 'vitest';
import { lifecycleSteps } from './lifecycle-steps';

const release = (state: string, extra: object = {}) =>
  ({
    state,
    approval: { status: 'pending', ticketId: null, minApprovers: 2, decisions: [] },
    execution: { stage: 'not_started' },
    ...extra,
  }) as never;
const DEPLOYER = { deploy: true, approve: false };
const statuses = (state: string, approval: boolean, extra?: object, rights = DEPLOYER) =>
  lifecycleSteps(release(state, extra), approval, rights).map((s) => `${s.key}:${s.status}`);

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
    const steps = lifecycleSteps(release('applying', { execution: { stage: 'waiting_for_rollout' } }), false, DEPLOYER);
    expect(steps[2]!.note).toBe('not required');
    expect(steps[4]!.note).toBe('waiting for rollout');
  });

  it('counts approvals in the note', () => {
    const steps = lifecycleSteps(
      release('pending_approval', {
        approval: { status: 'pending', minApprovers: 2, decisions: [{ approver: 'a', decision: 'approve' }] },
      }),
      true,
      DEPLOYER,
    );
    expect(steps[2]!.note).toBe('1 of 2 approvals');
  });

  it("shows the next step as the looker's own only when they may take it", () => {
    const viewer = { deploy: false, approve: false };
    for (const state of ['draft', 'previewed', 'approved']) {
      const steps = lifecycleSteps(release(state), true, viewer);
      expect(
        steps.some((s) => s.status === 'current'),
        state,
      ).toBe(false);
      expect(steps.find((s) => s.status === 'waiting')!.note, state).toMatch(/^a deployer /);
    }
    expect(lifecycleSteps(release('previewed'), false, viewer)[3]).toMatchObject({ status: 'waiting', note: 'a deployer applies it' });
    const approver = { deploy: false, approve: true };
    expect(lifecycleSteps(release('pending_approval'), true, approver)[2]).toMatchObject({
      status: 'current',
      note: 'your decision, in Approvals (0 of 2 approvals)',
    });
    expect(statuses('pending_approval', true, {}, DEPLOYER)[2]).toBe('approval:waiting');
    expect(statuses('approved', true, {}, approver)[3]).toBe('apply:waiting');
  });
});
