import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import { ApiError, api, unwrap, type Preview, type Release, type TimelineEvent } from '../api/client';
import { queryKeys, useMe, useRelease } from '../api/queries';
import { approvalsGiven } from '../api/release-facts';
import { OPEN_STATES, ROLLBACK_SOURCE_STATES } from '../api/release-states';
import { useActions } from '../api/use-actions';
import { useLiveRelease } from '../api/use-live-release';
import { StateBadge } from '../components/badges';
import { ConfirmDialog } from '../components/confirm-dialog';
import { DiagnosisLead } from '../components/diagnosis-lead';
import { lifecycleSteps } from '../components/lifecycle-steps';
import { Loading } from '../components/loading';
import { NotAllowed } from '../components/not-allowed';
import type { NextAction } from '../components/problem-advice';
import { ProblemNotice } from '../components/problem-notice';
import { Stepper } from '../components/stepper';
import { can } from '../session/permissions';
import { ApplyDialog } from './release/apply-dialog';
import { OverrideReason } from './release/override-reason';
import { PreviewPanel } from './release/preview-panel';
import { PromoteDialog } from './release/promote-dialog';
import { ProvenancePanel } from './release/provenance-panel';
import { VerifyingNotice } from './release/verifying-notice';
import { ReleaseFactsList } from './release/release-facts-list';
import { ReleaseTabs } from './release/release-tabs';
import { storePreview, storedPreview } from './release/stored-preview';

/** The release a draft was started from (its parameters and spec reused), as its creation event records it. */
function startedFrom(events: TimelineEvent[]): string | null {
  const from = events.find((e) => e.type === 'release.created')?.data['fromReleaseId'];
  return typeof from === 'string' ? from : null;
}

/** One release: what it is, where it stands in its lifecycle, what the operator may do next, and what happened. */
export function ReleasePage() {
  const { id = '' } = useParams<{ id?: string }>();
  const release = useRelease(id);
  if (release.isLoading) return <Loading what="the release" />;
  if (release.error instanceof ApiError && release.error.problem.status === 403) return <NotAllowed />;
  if (release.error) return <ProblemNotice error={release.error} />;
  if (!release.data) return null;
  // Keyed by release: a rollback opens another release, which starts with its own timeline, preview and dialogs.
  return <ReleaseView key={id} release={release.data} />;
}

function ReleaseView({ release: r }: { release: Release }) {
  const { id } = r;
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const me = useMe();
  const events = useLiveRelease(id);
  const [preview, setPreview] = useState<Preview | null>(() => storedPreview(id));
  const [confirmApply, setConfirmApply] = useState(false);
  const [confirmRollback, setConfirmRollback] = useState(false);
  const [confirmPromote, setConfirmPromote] = useState(false);
  const [freezeReason, setFreezeReason] = useState<string | null>(null);
  const [policyReason, setPolicyReason] = useState<string | null>(null);

  const approvalRequired = r.approval.status !== 'not_required';
  const mayWrite = can(me.data, 'deployment:write', r.environment);
  const currentPreview = preview && preview.releaseId === r.id && preview.draftRevision === r.draftRevision ? preview : null;
  const previewUsable = currentPreview !== null && !(r.preview?.consumed && r.preview.id === currentPreview.id);
  const path = { params: { path: { id } } };
  const policyOverride = policyReason ? { policyOverride: { reason: policyReason } } : {};
  const refresh = (next: Release): void => {
    queryClient.setQueryData(queryKeys.release(id), next);
  };

  const actions = useActions(
    {
      preview: async () => {
        const result = await unwrap(api.POST('/api/v1/releases/{id}/preview', path));
        storePreview(id, result.preview);
        setPreview(result.preview);
        await queryClient.invalidateQueries({ queryKey: queryKeys.release(id) });
      },
      submit: async () => {
        const body = { previewToken: currentPreview?.token, ...policyOverride };
        refresh(await unwrap(api.POST('/api/v1/releases/{id}/submit', { ...path, body })));
      },
      apply: async () => {
        const freezeOverride = freezeReason ? { freezeOverride: { reason: freezeReason } } : {};
        const body = { previewToken: currentPreview?.token, ...freezeOverride, ...policyOverride };
        refresh(await unwrap(api.POST('/api/v1/releases/{id}/apply', { ...path, body })));
        setConfirmApply(false);
      },
      cancel: async () => refresh(await unwrap(api.POST('/api/v1/releases/{id}/cancel', path))),
      rollback: async () => {
        const created = await unwrap(api.POST('/api/v1/releases/{id}/rollback', { ...path, body: {} }));
        setConfirmRollback(false);
        navigate(`/releases/${created.id}`);
      },
      promote: async (environment: string) => {
        const body = { environment, channel: 'ui' as const };
        const created = await unwrap(api.POST('/api/v1/releases/{id}/promote', { ...path, body }));
        setConfirmPromote(false);
        navigate(`/releases/${created.id}`);
      },
    },
    // A refused move usually means the release moved on: show it as it is now.
    { onError: () => queryClient.invalidateQueries({ queryKey: queryKeys.release(id) }) },
  );
  const busy = actions.pending !== null;
  const onAction = (action: NextAction) => {
    switch (action) {
      case 'preview-again':
        return actions.run('preview');
      case 'submit':
        return actions.run('submit');
      case 'reload':
        return void queryClient.invalidateQueries({ queryKey: queryKeys.release(id) });
      case 'view-approvals':
        return void navigate('/approvals');
      case 'sign-in':
        return void navigate('/sign-in');
      case 'override-freeze':
        return setFreezeReason('');
      case 'override-policy':
        return setPolicyReason('');
    }
  };

  const available: NextAction[] = [
    'preview-again',
    'submit',
    'reload',
    'view-approvals',
    'sign-in',
    ...(can(me.data, 'admin', r.environment) ? (['override-freeze', 'override-policy'] as const) : []),
  ];
  // In pending_approval and approved a fresh preview keeps the approval (it is bound to the draft, not a preview).
  const canPreview = mayWrite && OPEN_STATES.includes(r.state);
  const canSubmit = mayWrite && approvalRequired && r.state === 'previewed';
  const canApply = mayWrite && (r.state === 'approved' || (!approvalRequired && r.state === 'previewed'));
  const canCancel = mayWrite && OPEN_STATES.includes(r.state);
  const canRollback = mayWrite && ROLLBACK_SOURCE_STATES.includes(r.state);
  const canPromote = r.state === 'succeeded';

  return (
    <div className="page">
      <p className="breadcrumb">
        <Link to="/">Deployments</Link> / {r.environment} / {r.application}
      </p>
      <div className="page-head">
        <h1>
          {r.application} <span className="muted">→ {r.environment}</span>
        </h1>
        <StateBadge state={r.state} />
      </div>
      <DiagnosisLead release={r} />
      <ReleaseFactsList release={r} startedFrom={startedFrom(events)} />
      <ProvenancePanel release={r} />
      {r.description && <p>{r.description}</p>}

      <Stepper
        steps={lifecycleSteps(r, approvalRequired, {
          deploy: mayWrite,
          approve: can(me.data, 'deployment:approve', r.environment) && me.data?.subject !== r.createdBy,
        })}
      />

      {actions.error && !confirmApply && <ProblemNotice error={actions.error} onAction={onAction} available={available} />}
      <VerifyingNotice release={r} />
      {r.state === 'pending_approval' && (
        <div className="notice" role="status">
          Waiting for approval: {approvalsGiven(r.approval)} of {r.approval.minApprovers}. Approvers decide in{' '}
          <Link to="/approvals">Approvals</Link>.
        </div>
      )}

      <div className="actions" aria-label="Release actions">
        {canPreview && (
          <button type="button" className="button" onClick={() => actions.run('preview')} disabled={busy}>
            {actions.pending === 'preview' ? 'Previewing…' : currentPreview ? 'Preview again' : 'Preview'}
          </button>
        )}
        {canSubmit && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => actions.run('submit')}
            disabled={busy || !previewUsable}
            title={previewUsable ? '' : 'Preview first'}
          >
            Submit for approval
          </button>
        )}
        {canApply && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => setConfirmApply(true)}
            disabled={busy || !previewUsable}
            title={previewUsable ? '' : 'Preview first'}
          >
            Apply…
          </button>
        )}
        {canCancel && (
          <button type="button" className="button button-danger" onClick={() => actions.run('cancel')} disabled={busy}>
            Cancel release
          </button>
        )}
        {canRollback && (
          <button type="button" className="button" onClick={() => setConfirmRollback(true)} disabled={busy}>
            Roll back…
          </button>
        )}
        {canPromote && (
          <button type="button" className="button" onClick={() => setConfirmPromote(true)} disabled={busy}>
            Promote…
          </button>
        )}
        {!mayWrite && <span className="muted">You can read this release; changing it needs the deployer role on {r.environment}.</span>}
      </div>

      {policyReason !== null && !confirmApply && canSubmit && (
        <OverrideReason
          className="inline-field"
          label="Policy override reason for the submission (recorded on the timeline)"
          value={policyReason}
          onChange={setPolicyReason}
        />
      )}
      {(canApply || canSubmit) && !previewUsable && (
        <p className="hint">
          Preview the release to see what it changes; the same preview is what gets {approvalRequired ? 'approved and ' : ''}applied.
        </p>
      )}

      {currentPreview && <PreviewPanel preview={currentPreview} usable={previewUsable} />}

      <ApplyDialog
        open={confirmApply}
        release={r}
        preview={currentPreview}
        policyReason={{ value: policyReason, set: setPolicyReason }}
        freezeReason={{ value: freezeReason, set: setFreezeReason }}
        busy={actions.pending === 'apply'}
        error={actions.error}
        available={available}
        onAction={onAction}
        onConfirm={() => actions.run('apply')}
        onCancel={() => setConfirmApply(false)}
      />
      <ConfirmDialog
        open={confirmRollback}
        title="Roll back?"
        confirmLabel="Draft the rollback"
        busy={actions.pending === 'rollback'}
        onConfirm={() => actions.run('rollback')}
        onCancel={() => setConfirmRollback(false)}
      >
        <p>
          This drafts a new release restoring the last release of {r.application} that succeeded in {r.environment} before this one. It then
          goes through preview{approvalRequired ? ', approval' : ''} and apply like any release.
        </p>
      </ConfirmDialog>

      <PromoteDialog
        open={confirmPromote}
        release={r}
        busy={actions.pending === 'promote'}
        onConfirm={(environment) => actions.run('promote', environment)}
        onCancel={() => setConfirmPromote(false)}
      />

      <ReleaseTabs release={r} events={events} />
    </div>
  );
}
