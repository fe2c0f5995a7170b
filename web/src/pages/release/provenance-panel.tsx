import { Link } from 'wouter';
import type { Release } from '../../api/client';
import { formatTime } from '../../components/time-format';

/** Where a promoted release came from, and the exact image each reference was pinned to when it ran upstream. */
export function ProvenancePanel({ release: r }: { release: Release }) {
  const p = r.provenance;
  if (!p) return null;
  return (
    <section className="panel" aria-label="Promotion provenance">
      <h2>Promoted from {p.environment}</h2>
      <p>
        Promotes <Link to={`/releases/${p.releaseId}`}>release {p.releaseId.slice(0, 8)}</Link>, which succeeded in {p.environment} at{' '}
        {formatTime(p.succeededAt)}. Its images run here exactly as they ran there:
      </p>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Resource</th>
            <th scope="col">Image</th>
            <th scope="col">Pinned to</th>
          </tr>
        </thead>
        <tbody>
          {p.images.map((i) => (
            <tr key={i.resource}>
              <td>{i.resource}</td>
              <td>
                <code>{i.ref}</code>
              </td>
              <td>
                <code className="small" data-testid="pinned-image">
                  {i.pinned}
                </code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
