import type { Environment } from '../../api/client';
import type { ReleaseFilter } from '../../api/queries';
import { EnvironmentSelect } from '../../components/environment-select';
import { RELEASE_STATES, inWords } from '../../api/release-states';

/** Narrows the release list by environment, application and state. */
export function ReleaseFilters(props: {
  filter: ReleaseFilter;
  environments: Environment[] | undefined;
  onChange: (key: keyof ReleaseFilter, value: string) => void;
}) {
  const { filter, environments, onChange } = props;
  return (
    <form className="filters" aria-label="Filter releases" onSubmit={(e) => e.preventDefault()}>
      <EnvironmentSelect
        value={filter.environment ?? ''}
        environments={environments}
        anyLabel="All"
        onChange={(environment) => onChange('environment', environment)}
      />
      <label>
        Application
        <input value={filter.application ?? ''} onChange={(e) => onChange('application', e.target.value)} placeholder="any" />
      </label>
      <label>
        State
        <select value={filter.state ?? ''} onChange={(e) => onChange('state', e.target.value)}>
          <option value="">All</option>
          {RELEASE_STATES.map((s) => (
            <option key={s} value={s}>
              {inWords(s)}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}
