/** One parameter of a release being drafted; rows with an empty name are left out. */
export interface ParameterRow {
  key: string;
  value: string;
}

/** Editable NAME/value rows, with buttons to add and remove them. */
export function ParameterFields({ rows, onChange }: { rows: ParameterRow[]; onChange: (rows: ParameterRow[]) => void }) {
  const edit = (i: number, change: Partial<ParameterRow>) => onChange(rows.map((x, j) => (j === i ? { ...x, ...change } : x)));
  return (
    <fieldset className="params">
      <legend>Parameters</legend>
      {rows.map((p, i) => (
        <div className="param-row" key={i}>
          <input
            aria-label={`Parameter ${i + 1} name`}
            value={p.key}
            onChange={(e) => edit(i, { key: e.target.value })}
            placeholder="NAME"
          />
          <input
            aria-label={`Parameter ${i + 1} value`}
            value={p.value}
            onChange={(e) => edit(i, { value: e.target.value })}
            placeholder="value"
          />
          <button
            type="button"
            className="button button-small"
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
            aria-label={`Remove parameter ${i + 1}`}
          >
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="button button-small" onClick={() => onChange([...rows, { key: '', value: '' }])}>
        Add parameter
      </button>
    </fieldset>
  );
}

/** The rows as the API's parameters: names trimmed, nameless rows dropped. */
export function parametersOf(rows: ParameterRow[]): Record<string, string> {
  return Object.fromEntries(rows.filter((p) => p.key.trim()).map((p) => [p.key.trim(), p.value]));
}

/** A release's parameters as rows to edit. */
export function rowsOf(parameters: Record<string, string>): ParameterRow[] {
  return Object.entries(parameters).map(([key, value]) => ({ key, value }));
}
