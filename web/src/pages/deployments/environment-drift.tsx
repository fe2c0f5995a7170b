import { useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Drift } from '../../api/client';
import { queryKeys } from '../../api/queries';
import { useActions } from '../../api/use-actions';
import { DriftBadge } from '../../components/badges';
import { DiffView } from '../../components/diff-view';
import { ProblemNotice } from '../../components/problem-notice';
import { formatTime, timeAgo } from '../../components/time-format';

/** The "Check now" button of an environment: checks for drift at once and shows what it found. */
export function CheckDriftButton({ environment }: { environment: string }) {
  const queryClient = useQueryClient();
  const actions = useActions({
    check: async () => {
      const found = await unwrap(api.POST('/api/v1/environments/{name}/drift/check', { params: { path: { name: environment } } }));
      queryClient.setQueryData(queryKeys.drift(environment), found);
    },
  });
  return (
    <>
      <button type="button" className="button button-small" onClick={() => actions.run('check')} disabled={actions.pending !== null}>
        {actions.pending ? 'Checking…' : 'Check now'}
        <span className="visually-hidden"> for drift in {environment}</span>
      </button>
      {actions.error && <ProblemNotice error={actions.error} />}
    </>
  );
}

/** One application's drift: its status, when it was checked, why it could not be, and what differs. */
export function DriftOf({ drift }: { drift: Drift }) {
  return (
    <div className="drift" role="group" aria-label={`Drift of ${drift.application}`}>
      <DriftBadge status={drift.status} />{' '}
      <span className="muted small" title={formatTime(drift.checkedAt)}>
        checked {timeAgo(drift.checkedAt)}
      </span>
      {drift.message && <p className="hint">{drift.message}</p>}
      {drift.status !== 'in_sync' && drift.changes.length > 0 && (
        <>
          <p className="hint">What runs differs from the release: − what runs now, + what the release applied.</p>
          {drift.changes.map((c) => (
            <DiffView key={`${c.kind}/${c.name}`} change={c} />
          ))}
        </>
      )}
    </div>
  );
}
