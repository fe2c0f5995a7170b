import { Suspense, lazy, useMemo, useState } from 'react';
import { useEnvironments, useMe, useReleases } from '../api/queries';
import { can } from '../session/permissions';
import { currentReleases } from './deployments/current-releases';
import { EnvironmentList } from './deployments/environment-list';
import { Loading } from '../components/loading';
import { RecentReleases } from './deployments/recent-releases';

/** The form (with its YAML parser and editor) loads when it is opened. */
const NewReleaseForm = lazy(() => import('./deployments/new-release-form').then((m) => ({ default: m.NewReleaseForm })));

/** Per environment, what runs now and the recent releases; filters; and the New release form. */
export function DeploymentsPage() {
  const envs = useEnvironments();
  const running = useReleases({ state: 'succeeded' });
  const me = useMe();
  const [showForm, setShowForm] = useState(false);
  const current = useMemo(() => currentReleases(running.data?.items ?? []), [running.data]);
  const writable = (envs.data?.items ?? []).filter((e) => can(me.data, 'deployment:write', e.name));

  return (
    <div className="page">
      <div className="page-head">
        <h1>Deployments</h1>
        {writable.length > 0 && (
          <button type="button" className="button button-primary" onClick={() => setShowForm((v) => !v)} aria-expanded={showForm}>
            {showForm ? 'Close the form' : 'New release'}
          </button>
        )}
      </div>
      {showForm && (
        <Suspense fallback={<Loading what="the form" />}>
          <NewReleaseForm environments={writable} current={current} onClose={() => setShowForm(false)} />
        </Suspense>
      )}
      <EnvironmentList current={current} />
      <RecentReleases />
    </div>
  );
}
