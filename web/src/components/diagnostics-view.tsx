import type { Diagnostics } from '../api/client';
import { SeverityBadge } from './badges';
import { formatTime } from './time-format';

/** Diagnostics, findings worst first, then resources and log excerpts. */
export function DiagnosticsView({ diagnostics }: { diagnostics: Diagnostics }) {
  return (
    <div className="diagnostics">
      <p className="diagnostics-summary">
        <strong>{diagnostics.summary}</strong> <span className="muted">collected {formatTime(diagnostics.collectedAt)}</span>
      </p>
      <h3>Findings</h3>
      {diagnostics.findings.length === 0 ? (
        <p className="muted">No findings.</p>
      ) : (
        <ul className="findings">
          {diagnostics.findings.map((f, i) => (
            <li key={i} className={`finding finding-${f.severity}`} data-code={f.code}>
              <SeverityBadge severity={f.severity} /> <code>{f.code}</code>{' '}
              <strong>
                {f.resource.kind}/{f.resource.name}
              </strong>
              : {f.message}
              {f.evidence && <pre className="evidence">{f.evidence}</pre>}
            </li>
          ))}
        </ul>
      )}
      <h3>Resources</h3>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Resource</th>
            <th scope="col">Ready</th>
            <th scope="col">Status</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {diagnostics.resources.map((r) => (
            <tr key={`${r.kind}/${r.name}`}>
              <td>
                {r.kind}/{r.name}
              </td>
              <td>{r.ready ? 'yes' : 'no'}</td>
              <td>{r.status}</td>
              <td>{r.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {diagnostics.logs.length > 0 && <h3>Last log lines</h3>}
      {diagnostics.logs.map((l) => (
        <figure key={l.resource} className="logs">
          <figcaption>{l.resource}</figcaption>
          <pre>{l.lines.join('\n')}</pre>
        </figure>
      ))}
    </div>
  );
}
