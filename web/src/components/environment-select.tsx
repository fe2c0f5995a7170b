import type { Environment } from '../api/client';

/** A labelled choice of one environment of `environments`, or any (the empty value, named `anyLabel`). */
export function EnvironmentSelect(props: {
  value: string;
  environments: Environment[] | undefined;
  anyLabel: string;
  onChange: (environment: string) => void;
}) {
  return (
    <label>
      Environment
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">{props.anyLabel}</option>
        {props.environments?.map((e) => (
          <option key={e.name} value={e.name}>
            {e.name}
          </option>
        ))}
      </select>
    </label>
  );
}
