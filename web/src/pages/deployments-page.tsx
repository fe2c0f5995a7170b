import { Suspense, lazy, useMemo, useState } from 'react';
import { useEnvironments, useMe, useReleases, useRuntimes } from '../api/queries';
import { EXAMPLE_RELEASE } from './deployments/example-release';
import { FirstSteps } from './deployments/first-steps';
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
  const [showForm, setShowForm] = useState<'blank' | 'example' | null>(null);
  const runtimes = useRuntimes();
  const anyRelease = useReleases({});
  const current = useMemo(() => currentReleases(running.data?.items ?? []), [running.data]);
  const writable = (envs.data?.items ?? []).filter((e) => can(me.data, 'deployment:write', e.name));

  return (
    <div className="page">
      <div className="page-head">
        <h1>Deployments</h1>
        {writable.length > 0 && (
          <button
            type="button"
            className="button button-primary"
            onClick={() => setShowForm((v) => (v ? null : 'blank'))}
            aria-expanded={showForm !== null}
          >
            {showForm ? 'Close the form' : 'New release'}
          </button>
        )}
      </div>
      {!showForm && anyRelease.data?.items.length === 0 && (
        <FirstSteps
          canDeploy={writable.some((e) => e.runtime === 'compose')}
          engineDown={runtimes.data?.items.some((r) => r.runtime === 'compose' && !r.reachable) ?? false}
          onExample={() => setShowForm('example')}
        />
      )}
      {showForm && (
        <Suspense fallback={<Loading what="the form" />}>
          <NewReleaseForm
            key={showForm}
            environments={showForm === 'example' ? writable.filter((e) => e.runtime === 'compose') : writable}
            current={current}
            initial={showForm === 'example' ? EXAMPLE_RELEASE : undefined}
            onClose={() => setShowForm(null)}
          />
        </Suspense>
      )}
      <EnvironmentList current={current} />
      <RecentReleases />
    </div>
  );
}
