import { describe, expect, it } from 'vitest';
import { activeFreezeWindow, decide, isApprovalComplete, releaseApprovalStatus, type ApprovalTicket } from './approval.js';
import type { ReleaseRecord } from '../release/release.js';
import { isShipgateError, type ErrorCode } from '../errors.js';

const now = new Date('2026-11-25T12:00:00Z');
const release = { id: 'r1', createdBy: 'dana', draftDigest: 'sha256:a', authors: ['dana'] } as ReleaseRecord;
const ticket = (over: Partial<ApprovalTicket> = {}): ApprovalTicket => ({
  id: 't1',
  releaseId: 'r1',
  application: 'web',
  environment: 'production',
  status: 'pending',
  minApprovers: 2,
  allowSelfApproval: false,
  draftDigest: 'sha256:a',
  requestedBy: 'dana',
  requestedAt: '2026-11-25T11:00:00Z',
  expiresAt: '2026-11-26T11:00:00Z',
  closedAt: null,
  decisions: [],
  ...over,
});
const d = (approver: string, decision: 'approve' | 'reject' = 'approve') => ({ approver, decision, comment: '', at: now.toISOString() });

function expectCode(fn: () => unknown, code: ErrorCode) {
  try {
    fn();
    expect.unreachable();
  } catch (error) {
    expect(isShipgateError(error, code)).toBe(true);
  }
}

describe('approval policy', () => {
  it('keeps every author of any revision, the creator and the requester from deciding', () => {
    const edited = { ...release, authors: ['dana', 'eve', 'frank'] };
    for (const who of ['dana', 'eve', 'frank', 'gus']) {
      expectCode(() => decide(ticket({ requestedBy: 'gus' }), edited, d(who), now), 'SELF_APPROVAL_FORBIDDEN');
      expectCode(() => decide(ticket({ requestedBy: 'gus' }), edited, d(who, 'reject'), now), 'SELF_APPROVAL_FORBIDDEN');
    }
    expect(decide(ticket({ requestedBy: 'gus' }), edited, d('hana'), now)).toMatchObject({ approvals: 1 });
    expect(decide(ticket({ requestedBy: 'gus', allowSelfApproval: true }), edited, d('eve'), now)).toMatchObject({ approvals: 1 });
  });

  it('counts distinct approvers up to minApprovers', () => {
    expect(decide(ticket(), release, d('alice'), now)).toMatchObject({ status: 'pending', approvals: 1 });
    expect(decide(ticket({ decisions: [d('alice')] }), release, d('bob'), now)).toMatchObject({ status: 'approved', approvals: 2 });
    expectCode(() => decide(ticket({ decisions: [d('alice')] }), release, d('alice'), now), 'ALREADY_DECIDED');
  });

  it('one rejection closes the ticket', () => {
    expect(decide(ticket({ decisions: [d('alice')] }), release, d('bob', 'reject'), now).status).toBe('rejected');
  });

  it('forbids self-approval unless allowed', () => {
    expectCode(() => decide(ticket(), release, d('dana'), now), 'SELF_APPROVAL_FORBIDDEN');
    expect(decide(ticket({ allowSelfApproval: true, minApprovers: 1 }), release, d('dana'), now).status).toBe('approved');
  });

  it('refuses closed and expired tickets', () => {
    expectCode(() => decide(ticket({ status: 'approved' }), release, d('carl'), now), 'ALREADY_DECIDED');
    expectCode(() => decide(ticket({ expiresAt: '2026-11-25T11:59:59Z' }), release, d('carl'), now), 'ALREADY_DECIDED');
    expect(releaseApprovalStatus(true, ticket({ expiresAt: '2026-11-25T11:59:59Z' }), now)).toBe('expired');
  });

  it('binds approval to the draft digest', () => {
    expectCode(() => decide(ticket({ draftDigest: 'sha256:b' }), release, d('carl'), now), 'INVALID_STATE');
    expect(isApprovalComplete(true, release, ticket({ status: 'approved' }))).toBe(true);
    expect(isApprovalComplete(true, release, ticket({ status: 'approved', draftDigest: 'sha256:b' }))).toBe(false);
    expect(isApprovalComplete(true, release, null)).toBe(false);
    expect(isApprovalComplete(false, release, null)).toBe(true);
  });

  it('finds the freeze window in force', () => {
    const windows = [
      { start: '2026-11-25T11:00:00Z', end: '2026-11-25T12:00:00Z', reason: 'a' },
      { start: '2026-11-25T11:30:00Z', end: '2026-11-25T13:00:00Z', reason: 'b' },
    ];
    expect(activeFreezeWindow(windows, now)?.reason).toBe('b');
    expect(activeFreezeWindow(windows, new Date('2026-11-25T13:00:00Z'))).toBeNull();
  });
});
