import { describe, expect, it } from 'vitest';
import { TIMELINE_EVENT_TYPES } from '../../../src/core/audit/timeline-event-types';
import { describeEvent } from './timeline-words';

const user = (id: string) => ({ type: 'user', id });
const system = { type: 'system', id: 'shipgate' };
const say = (type: string, data: Record<string, unknown> = {}, actor: { type: string; id: string } = user('dana')) =>
  describeEvent({ type, actor, data });

const A = '0a1b2c3d-0000-4000-8000-000000000001';
const B = '0b1b2c3d-0000-4000-8000-000000000002';
const C = '0c1b2c3d-0000-4000-8000-000000000003';

describe('timeline events in words', () => {
  it('tells drafts, edits, previews and submits', () => {
    expect(say('release.created', { draftRevision: 1, fromReleaseId: null })).toBe('dana drafted revision 1');
    expect(say('release.created', { draftRevision: 1, fromReleaseId: A })).toBe('dana drafted revision 1 from release 0a1b2c3d');
    expect(say('release.updated', { draftRevision: 2 })).toBe('dana edited the draft (revision 2)');
    expect(say('preview.created', { summary: { create: 0, update: 1, delete: 0, unchanged: 0 } })).toBe('dana previewed: 1 to update');
    expect(say('preview.created', { summary: { create: 2, update: 1, delete: 0, unchanged: 3 } })).toBe(
      'dana previewed: 2 to create, 1 to update, 3 unchanged',
    );
    expect(say('preview.created', { summary: { create: 0, update: 0, delete: 0, unchanged: 0 } })).toBe('dana previewed: no changes');
    const policy = { passed: false, violations: [{ severity: 'deny' }, { severity: 'warn' }, { severity: 'warn' }] };
    expect(say('preview.created', { summary: { create: 0, update: 0, delete: 1, unchanged: 0 }, policy })).toBe(
      'dana previewed: 1 to delete; runtime policy: 1 denial, 2 warnings',
    );
    expect(say('release.submitted', { approvalRequired: true })).toBe('dana submitted for approval');
    expect(say('release.submitted', { approvalRequired: false })).toBe('dana submitted (no approval needed)');
    expect(say('release.cancelled', { from: 'draft' })).toBe('dana cancelled the release');
  });

  it('tells approvals: the comment quoted, the count only when more than one approval is needed', () => {
    expect(say('approval.requested', { minApprovers: 1 })).toBe('dana asked for 1 approval');
    expect(say('approval.requested', { minApprovers: 2 })).toBe('dana asked for 2 approvals');
    const approved = { approver: 'bob', approvals: 1, minApprovers: 1 };
    expect(say('approval.approved', { ...approved, comment: 'looks good' }, user('bob'))).toBe('bob approved: “looks good”');
    expect(say('approval.approved', { ...approved, comment: '' }, user('bob'))).toBe('bob approved');
    expect(say('approval.approved', { ...approved, minApprovers: 2, comment: '' }, user('bob'))).toBe('bob approved (1 of 2)');
    expect(say('approval.approved', { ...approved, approvals: 2, minApprovers: 2, comment: 'ok' }, user('carol'))).toBe(
      'carol approved (2 of 2): “ok”',
    );
    expect(say('approval.rejected', { approvals: 0, minApprovers: 2, comment: 'not on a Friday' }, user('bob'))).toBe(
      'bob rejected: “not on a Friday”',
    );
    expect(say('approval.decision_recorded', { comment: '' }, user('bob'))).toBe('bob recorded a decision');
    expect(say('approval.expired', { expiresAt: '2026-01-01T00:00:00.000Z' }, system)).toBe('Shipgate: the approval request expired');
    expect(say('approval.voided', { reason: 'the draft was edited' })).toBe('Approval request voided — the draft was edited');
  });

  it('tells refusals with the code in words and the server’s explanation', () => {
    expect(
      say('apply.rejected', { code: 'PREVIEW_REQUIRED', reason: 'PREVIEW_EXPIRED', detail: 'the preview expired' }, user('dana')),
    ).toBe('Apply by dana refused: preview required (preview expired) — the preview expired');
    expect(say('apply.rejected', { code: 'FROZEN', reason: null, detail: 'environment "production" is frozen' })).toBe(
      'Apply by dana refused: frozen — environment "production" is frozen',
    );
    expect(
      say(
        'approval.denied',
        { decision: 'approve', code: 'SELF_APPROVAL_FORBIDDEN', reason: null, detail: 'dana drafted it' },
        user('dana'),
      ),
    ).toBe('Approval by dana refused: self approval forbidden — dana drafted it');
    expect(say('approval.denied', { decision: 'reject', code: 'FORBIDDEN', detail: '' }, user('eve'))).toBe(
      'Rejection by eve refused: forbidden',
    );
  });

  it('tells the apply, the execution’s stages in words and its outcome', () => {
    expect(say('apply.requested', { previewId: A, draftRevision: 1 })).toBe('dana applied');
    expect(
      say(
        'apply.requested',
        { previewId: A, freezeOverride: { reason: 'hotfix for the outage', window: { reason: 'year end' } } },
        user('root'),
      ),
    ).toBe('root applied, overriding the freeze: “hotfix for the outage”');
    expect(say('release.state_changed', { from: 'pending_approval', to: 'approved' }, user('bob'))).toBe(
      'State: pending approval → approved',
    );
    expect(say('execution.started', { attempt: 1, instance: 'host-7' }, system)).toBe('Shipgate started applying');
    expect(say('execution.started', { attempt: 2, instance: 'host-7' }, system)).toBe('Shipgate started applying (attempt 2)');
    expect(say('execution.stage_changed', { from: 'not_started', to: 'queued' })).toBe('dana: not started → queued');
    expect(say('execution.stage_changed', { from: 'waiting_for_rollout', to: 'verifying', message: 'watching for 30s' }, system)).toBe(
      'Shipgate: waiting for rollout → verifying — watching for 30s',
    );
    expect(say('execution.succeeded', { attempt: 1, message: 'rolled out' }, system)).toBe('Shipgate: succeeded — rolled out');
    expect(say('execution.failed', { attempt: 1, message: 'web: CrashLoopBackOff' }, system)).toBe(
      'Shipgate: failed — web: CrashLoopBackOff',
    );
    expect(say('execution.interrupted', { attempt: 1, message: null }, system)).toBe('Shipgate: interrupted');
    expect(say('diagnostics.recorded', { summary: '1 error: web is crash-looping', findings: [] }, system)).toBe(
      'Shipgate recorded diagnostics — 1 error: web is crash-looping',
    );
  });

  it('tells verification, rollback, promotion, policy overrides and drift', () => {
    expect(say('verification.started', { windowSeconds: 30, maxRestarts: 0, httpProbe: null }, system)).toBe(
      'Shipgate: verifying the rollout for 30s',
    );
    expect(say('verification.passed', { checks: 6, message: 'healthy for 30s' }, system)).toBe(
      'Shipgate: verification passed — healthy for 30s',
    );
    expect(say('verification.failed', { code: 'VERIFICATION_FAILED', message: 'web restarted 3 times' }, system)).toBe(
      'Shipgate: verification failed — web restarted 3 times',
    );
    expect(say('rollback.requested', { rollbackOf: A, rollbackTo: B, automatic: false })).toBe(
      'dana requested a rollback of release 0a1b2c3d to release 0b1b2c3d',
    );
    expect(say('rollback.requested', { rollbackReleaseId: C, rollbackTo: B, automatic: true }, system)).toBe(
      'Shipgate requested an automatic rollback to release 0b1b2c3d, drafted as release 0c1b2c3d',
    );
    expect(say('rollback.completed', { rollbackOf: A, rollbackTo: B }, system)).toBe(
      'Shipgate: rolled release 0a1b2c3d back to release 0b1b2c3d',
    );
    expect(say('rollback.completed', { rollbackReleaseId: C, rollbackTo: B }, system)).toBe(
      'Shipgate: this release was rolled back to release 0b1b2c3d by release 0c1b2c3d',
    );
    expect(say('release.promoted', { promotedFrom: A, fromEnvironment: 'staging', images: [] })).toBe(
      'dana promoted release 0a1b2c3d from staging',
    );
    expect(say('release.promoted', { promotedTo: C, toEnvironment: 'production', images: [] })).toBe(
      'dana promoted this release to production as release 0c1b2c3d',
    );
    expect(say('policy.overridden', { previewId: A, reason: 'accepted risk', violations: [{ ruleId: 'r1' }] }, user('root'))).toBe(
      'root overrode 1 denial of the runtime policy: “accepted risk”',
    );
    expect(say('drift.detected', { status: 'drifted', summary: { create: 0, update: 1, delete: 0 } }, system)).toBe(
      'Shipgate detected drift: what runs differs from this release (1 to update)',
    );
    expect(say('drift.detected', { status: 'missing', summary: { create: 2, update: 0, delete: 0 } }, system)).toBe(
      'Shipgate detected drift: what this release created no longer runs',
    );
  });

  it('names the system "Shipgate" and anyone else by id', () => {
    expect(say('release.cancelled', {}, { type: 'system', id: 'sweeper' })).toBe('Shipgate cancelled the release');
    expect(say('release.cancelled', {}, { type: 'ai', id: 'assistant' })).toBe('assistant cancelled the release');
  });

  it('reads a type from a newer server as its words, without its data', () => {
    expect(say('canary.step_promoted', { weight: 50, token: 'CANARY' })).toBe('dana: canary step promoted');
    expect(say('release.paused_by_sre', {}, system)).toBe('Shipgate: release paused by sre');
  });

  it('gives every known type a sentence of its own, and survives data of the wrong shape', () => {
    for (const type of TIMELINE_EVENT_TYPES) {
      const generic = `dana: ${type.replaceAll(/[._]+/g, ' ')}`;
      expect(say(type, { message: 'all good', from: 'queued', to: 'applying' }), type).not.toBe(generic);
      const odd = { summary: 'x', policy: 3, violations: 'no', freezeOverride: [1], draftRevision: '2', comment: 7, from: null };
      expect(() => say(type, odd), type).not.toThrow();
      expect(say(type, odd), type).not.toMatch(/undefined|null|NaN|\[object/);
    }
  });

  it('echoes no data field beyond the ones its sentence is made of', () => {
    const hidden = {
      ticketId: 'CANARY-ticket',
      previewId: 'CANARY-preview',
      draftDigest: 'CANARY-digest',
      liveDigest: 'CANARY-live',
      parameters: { TOKEN: 'CANARY-parameter' },
      description: 'CANARY-description',
      conversationId: 'CANARY-conversation',
      instance: 'CANARY-instance',
      expiresAt: 'CANARY-expiry',
      images: ['CANARY-image'],
      fingerprint: 'CANARY-fingerprint',
      resources: [{ name: 'CANARY-resource' }],
      findings: [{ code: 'CANARY-finding' }],
      httpProbe: 'CANARY-probe',
      until: 'CANARY-until',
      resource: { name: 'CANARY-resource' },
      window: { reason: 'CANARY-window' },
      approver: 'CANARY-approver',
      secret: 'CANARY-secret',
    };
    for (const type of [...TIMELINE_EVENT_TYPES, 'release.future_thing']) {
      expect(say(type, hidden), type).not.toContain('CANARY');
    }
    const withFreeze = { ...hidden, freezeOverride: { reason: 'urgent', window: { reason: 'CANARY-window', end: 'CANARY-end' } } };
    expect(say('apply.requested', withFreeze)).toBe('dana applied, overriding the freeze: “urgent”');
    const withPolicy = { ...hidden, violations: [{ ruleId: 'CANARY-rule', message: 'CANARY-message', severity: 'deny' }] };
    expect(say('policy.overridden', withPolicy)).toBe('dana overrode 1 denial of the runtime policy');
  });
});
