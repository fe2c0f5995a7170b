import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api, unwrap, type Preview, type Release, type TimelineEvent } from '../api/client';
import { watchRelease } from '../api/release-stream';
import { ChannelBadge, StateBadge } from '../components/badges';
import { ConfirmDialog, Countdown, Loading, ProblemNotice, formatTime } from '../components/common';
import { DiagnosticsView } from '../components/diagnostics-view';
import { ChangeSummary, DiffView } from '../components/diff-view';
import { PolicyView } from '../components/policy-view';
import { lifecycleSteps } from '../components/lifecycle-steps';
import type { NextAction } from '../components/problem-advice';
import { Stepper } from '../components/stepper';
import { Timeline } from '../components/timeline';
import { can } from '../session/permissions';
import { useMe } from '../session/use-me';

const PREVIEW_KEY = (id: string) => `shipgate.preview.${id}`;

/** The preview made in this tab for a release (its token is shown only once, so the tab keeps it). */
function storedPreview(id: string): Preview | null {
  const text = window.sessionStorage.getItem(PREVIEW_KEY(id));
  return text ? (JSON.parse(text) as Preview) : null;
}

/** A user without read access sees this, and nothing of the release. */
export function NotAllowed() {
  return (
    <section className="panel narrow" aria-labelledby="not-allowed-title">
      <h1 id="not-allowed-title">Not allowed</h1>
      <p>Your token does not allow you to see this. Ask an admin for read access to its environment.</p>
      <p><Link to="/">Back to deployments</Link></p>
    </section>
  );
}

export function ReleasePage() {
  const { id = '' } = useParams();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const me = useMe();
  const release = useQuery({ queryKey: ['release', id], queryFn: () => unwrap(api.GET('/api/v1/releases/{id}', { params: { path: { id } } })), retry: false });
  const envName = release.data?.environment;
  const environment = useQuery({
    queryKey: ['environment', envName],
    queryFn: () => unwrap(api.GET('/api/v1/environments/{name}', { params: { path: { name: envName! } } })),
    enabled: Boolean(envName),
  });
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [preview, setPreview] = useState<Preview | null>(() => storedPreview(id));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirmApply, setConfirmApply] = useState(false);
  const [confirmRollback, setConfirmRollback] = useState(false);
  const [freezeReason, setFreezeReason] = useState<string | null>(null);
  const [policyReason, setPolicyReason] = useState<string | null>(null);
  const [tab, setTab] = useState<'timeline' | 'diagnostics'>('timeline');

  // Live: every new timeline event and the release's new state, without reloading.
  useEffect(() => {
    if (!release.data) return;
    const stop = watchRelease(id, {
      onEvent: (event) => setEvents((list) => (list.some((e) => e.seq === event.seq) ? list : [...list, event].sort((a, b) => a.seq - b.seq))),
      onRelease: (next) => queryClient.setQueryData(['release', id], next),
    });
    return stop;
  }, [id, Boolean(release.data), queryClient]);

  useEffect(() => {
    if (release.data && ['failed', 'interrupted'].includes(release.data.state)) setTab('diagnostics');
  }, [release.data?.state]);

  if (release.isLoading) return <Loading what="the release" />;
  if (release.error instanceof ApiError && release.error.problem.status === 403) return <NotAllowed />;
  if (release.error) return <ProblemNotice error={release.error} />;
  const r = release.data as Release;
  const env = environment.data;
  const approvalRequired = env?.approval.required ?? r.approval.status !== 'not_required';
  const mayWrite = can(me.data, 'deployment:write', r.environment);
  const currentPreview = preview && preview.releaseId === r.id && preview.draftRevision === r.draftRevision ? preview : null;
  const previewUsable = currentPreview !== null && !(r.preview?.consumed && r.preview.id === currentPreview.id);

  const run = async (name: string, work: () => Promise<void>) => {
    setBusy(name);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err);
      await queryClient.invalidateQueries({ queryKey: ['release', id] });
    } finally {
      setBusy(null);
    }
  };
  const refresh = (next: Release): void => {
    queryClient.setQueryData(['release', id], next);
  };

  const doPreview = () =>
    run('preview', async () => {
      const result = await unwrap(api.POST('/api/v1/releases/{id}/preview', { params: { path: { id } } }));
      window.sessionStorage.setItem(PREVIEW_KEY(id), JSON.stringify(result.preview));
      setPreview(result.preview);
      await queryClient.invalidateQueries({ queryKey: ['release', id] });
    });
  const doSubmit = () =>
    run('submit', async () => refresh(await unwrap(api.POST('/api/v1/releases/{id}/submit', { params: { path: { id } }, body: { previewToken: currentPreview?.token, ...(policyReason ? { policyOverride: { reason: policyReason } } : {}) } }))));
  const doApply = () =>
    run('apply', async () => {
      const body = {
        previewToken: currentPreview?.token,
        ...(freezeReason ? { freezeOverride: { reason: freezeReason } } : {}),
        ...(policyReason ? { policyOverride: { reason: policyReason } } : {}),
      };
      refresh(await unwrap(api.POST('/api/v1/releases/{id}/apply', { params: { path: { id } }, body })));
      setConfirmApply(false);
    });
  const doCancel = () => run('cancel', async () => refresh(await unwrap(api.POST('/api/v1/releases/{id}/cancel', { params: { path: { id } } }))));
  const doRollback = () =>
    run('rollback', async () => {
      const created = await unwrap(api.POST('/api/v1/releases/{id}/rollback', { params: { path: { id } }, body: {} }));
      setConfirmRollback(false);
      navigate(`/releases/${created.id}`);
    });
  const onAction = (action: NextAction) => {
    if (action === 'preview-again') void doPreview();
    else if (action === 'submit') void doSubmit();
    else if (action === 'reload') void queryClient.invalidateQueries({ queryKey: ['release', id] });
    else if (action === 'view-approvals') navigate('/approvals');
    else if (action === 'sign-in') navigate('/sign-in');
    else if (action === 'override-freeze') setFreezeReason('');
    else if (action === 'override-policy') setPolicyReason('');
  };

  const available: NextAction[] = ['preview-again', 'submit', 'reload', 'view-approvals', 'sign-in', ...(can(me.data, 'admin', r.environment) ? (['override-freeze', 'override-policy'] as const) : [])];
  // In pending_approval and approved a fresh preview keeps the approval (it is bound to the draft, not a preview).
  const canPreview = mayWrite && ['draft', 'previewed', 'pending_approval', 'approved'].includes(r.state);
  const canSubmit = mayWrite && approvalRequired && r.state === 'previewed';
  const canApply = mayWrite && (r.state === 'approved' || (!approvalRequired && r.state === 'previewed'));
  const canCancel = mayWrite && ['draft', 'previewed', 'pending_approval', 'approved'].includes(r.state);
  const canRollback = mayWrite && ['succeeded', 'failed', 'interrupted'].includes(r.state);

  return (
    <div className="page">
      <p className="breadcrumb"><Link to="/">Deployments</Link> / {r.environment} / {r.application}</p>
      <div className="page-head">
        <h1>
          {r.application} <span className="muted">→ {r.environment}</span>
        </h1>
        <StateBadge state={r.state} />
      </div>
      <dl className="facts" aria-label="Release facts">
        <div><dt>State</dt><dd data-testid="state">{r.state.replaceAll('_', ' ')}</dd></div>
        <div><dt>Runtime</dt><dd>{r.runtime}</dd></div>
        <div><dt>Approval</dt><dd data-testid="approval-status">{r.approval.status.replaceAll('_', ' ')}{r.approval.status !== 'not_required' && ` (${r.approval.decisions.filter((d) => d.decision === 'approve').length}/${r.approval.minApprovers})`}</dd></div>
        <div><dt>Execution</dt><dd data-testid="stage">{r.execution.stage.replaceAll('_', ' ')}</dd></div>
        <div><dt>Kind</dt><dd>{r.kind}{r.rollbackTo && <> of <Link to={`/releases/${r.rollbackOf}`}>release</Link>, restoring <Link to={`/releases/${r.rollbackTo}`}>this one</Link></>}</dd></div>
        <div><dt>Revision</dt><dd>{r.draftRevision} <code className="small">{r.draftDigest.slice(0, 19)}</code></dd></div>
        <div><dt>Created</dt><dd>{r.createdBy} <ChannelBadge channel={r.channel} /> {formatTime(r.createdAt)}</dd></div>
        {Object.keys(r.parameters).length > 0 && <div><dt>Parameters</dt><dd>{Object.entries(r.parameters).map(([k, v]) => `${k}=${v}`).join(' ')}</dd></div>}
      </dl>
      {r.description && <p>{r.description}</p>}

      <Stepper steps={lifecycleSteps(r, approvalRequired)} />

      {error !== null && !confirmApply && <ProblemNotice error={error} onAction={onAction} available={available} />}
      {r.execution.message && ['failed', 'interrupted'].includes(r.state) && <div className="notice notice-error" role="status"><strong>Execution {r.state}:</strong> {r.execution.message}</div>}
      {r.state === 'pending_approval' && <div className="notice" role="status">Waiting for approval: {r.approval.decisions.filter((d) => d.decision === 'approve').length} of {r.approval.minApprovers}. Approvers decide in <Link to="/approvals">Approvals</Link>.</div>}

      <div className="actions" aria-label="Release actions">
        {canPreview && <button type="button" className="button" onClick={doPreview} disabled={busy !== null}>{busy === 'preview' ? 'Previewing…' : currentPreview ? 'Preview again' : 'Preview'}</button>}
        {canSubmit && <button type="button" className="button button-primary" onClick={doSubmit} disabled={busy !== null || !previewUsable} title={previewUsable ? '' : 'Preview first'}>Submit for approval</button>}
        {canApply && <button type="button" className="button button-primary" onClick={() => setConfirmApply(true)} disabled={busy !== null || !previewUsable} title={previewUsable ? '' : 'Preview first'}>Apply…</button>}
        {canCancel && <button type="button" className="button button-danger" onClick={doCancel} disabled={busy !== null}>Cancel release</button>}
        {canRollback && <button type="button" className="button" onClick={() => setConfirmRollback(true)} disabled={busy !== null}>Roll back…</button>}
        {!mayWrite && <span className="muted">You can read this release; changing it needs the deployer role on {r.environment}.</span>}
      </div>

      {policyReason !== null && !confirmApply && canSubmit && (
        <label className="inline-field">
          Policy override reason for the submission (recorded on the timeline)
          <input value={policyReason} onChange={(e) => setPolicyReason(e.target.value)} required />
        </label>
      )}
      {(canApply || canSubmit) && !previewUsable && <p className="hint">Preview the release to see what it changes; the same preview is what gets {approvalRequired ? 'approved and ' : ''}applied.</p>}

      {currentPreview && (
        <section className="panel" aria-labelledby="preview-title">
          <div className="page-head">
            <h2 id="preview-title">Preview</h2>
            {previewUsable ? <Countdown until={currentPreview.expiresAt} label="Expires in" /> : <span className="badge badge-neutral">used by the apply</span>}
          </div>
          <ChangeSummary summary={currentPreview.summary} />
          <PolicyView policy={currentPreview.policy} />
          {currentPreview.changes.map((c) => <DiffView key={`${c.kind}/${c.name}`} change={c} />)}
        </section>
      )}

      <ConfirmDialog open={confirmApply} title={`Apply ${r.application} to ${r.environment}?`} confirmLabel="Confirm apply" busy={busy === 'apply'} onConfirm={doApply} onCancel={() => setConfirmApply(false)}>
        {currentPreview && <ChangeSummary summary={currentPreview.summary} />}
        <ul className="plain">
          {currentPreview?.changes.filter((c) => c.action !== 'unchanged').map((c) => <li key={`${c.kind}/${c.name}`}>{c.action} {c.kind}/{c.name}</li>)}
        </ul>
        {currentPreview && !currentPreview.policy?.passed && <PolicyView policy={currentPreview.policy} />}
        {policyReason !== null && (
          <label>
            Policy override reason (recorded on the timeline)
            <input value={policyReason} onChange={(e) => setPolicyReason(e.target.value)} required />
          </label>
        )}
        {freezeReason !== null && (
          <label>
            Freeze override reason (recorded on the timeline)
            <input value={freezeReason} onChange={(e) => setFreezeReason(e.target.value)} required />
          </label>
        )}
        {error !== null && confirmApply && (
          <ProblemNotice
            error={error}
            available={available}
            onAction={(action) => {
              if (action !== 'override-freeze' && action !== 'override-policy') setConfirmApply(false);
              onAction(action);
            }}
          />
        )}
      </ConfirmDialog>
      <ConfirmDialog open={confirmRollback} title="Roll back?" confirmLabel="Draft the rollback" busy={busy === 'rollback'} onConfirm={doRollback} onCancel={() => setConfirmRollback(false)}>
        <p>This drafts a new release restoring the last release of {r.application} that succeeded in {r.environment} before this one. It then goes through preview{approvalRequired ? ', approval' : ''} and apply like any release.</p>
      </ConfirmDialog>

      <div className="tabs" role="tablist" aria-label="Release details">
        <button type="button" role="tab" id="tab-timeline" aria-controls="panel-timeline" aria-selected={tab === 'timeline'} onClick={() => setTab('timeline')}>Timeline</button>
        <button type="button" role="tab" id="tab-diagnostics" aria-controls="panel-diagnostics" aria-selected={tab === 'diagnostics'} onClick={() => setTab('diagnostics')}>Diagnostics</button>
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabpanel">
        {tab === 'timeline' ? <Timeline events={events} /> : <DiagnosticsTab release={r} />}
      </div>
    </div>
  );
}

function DiagnosticsTab({ release }: { release: Release }) {
  const diagnosable = ['failed', 'interrupted', 'succeeded', 'rolled_back', 'applying'].includes(release.state);
  const diagnostics = useQuery({
    queryKey: ['diagnostics', release.id, release.state],
    queryFn: () => unwrap(api.GET('/api/v1/releases/{id}/diagnostics', { params: { path: { id: release.id } } })),
    enabled: diagnosable,
    retry: false,
  });
  if (!diagnosable) return <p className="muted">Diagnostics appear once the release has been applied.</p>;
  if (diagnostics.isLoading) return <Loading what="diagnostics" />;
  if (diagnostics.error) return <ProblemNotice error={diagnostics.error} />;
  return diagnostics.data ? <DiagnosticsView diagnostics={diagnostics.data} /> : null;
}
