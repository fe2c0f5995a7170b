import { useEnvironments, useReleases, type ReleaseFilter } from '../../api/queries';
import { isReleaseState } from '../../api/release-states';
import { EmptyState } from '../../components/empty-state';
import { Loading } from '../../components/loading';
import { ProblemNotice } from '../../components/problem-notice';
import { useAddressFilter } from '../../components/use-address-filter';
import { ReleaseFilters } from './release-filters';
import { ReleaseTable } from './release-table';

/** The newest releases, filtered by what the address bar says (so a filtered list can be shared). */
export function RecentReleases() {
  const { params, set: setFilter } = useAddressFilter();
  const state = params.get('state') ?? '';
  const filter: ReleaseFilter = {
    environment: params.get('environment') ?? '',
    application: params.get('application') ?? '',
    ...(isReleaseState(state) ? { state } : {}),
  };
  const envs = useEnvironments();
  const releases = useReleases(filter);
  return (
    <section aria-labelledby="releases-title">
      <h2 id="releases-title">Recent releases</h2>
      <ReleaseFilters filter={filter} environments={envs.data?.items} onChange={setFilter} />
      {releases.isLoading && <Loading what="releases" />}
      {releases.error && <ProblemNotice error={releases.error} />}
      {releases.data && releases.data.items.length === 0 && (
        <EmptyState title="No releases match">Draft one with “New release”.</EmptyState>
      )}
      {releases.data && releases.data.items.length > 0 && <ReleaseTable releases={releases.data.items} />}
    </section>
  );
}
