import { Link } from 'wouter';
import type { Release } from '../../api/client';
import { parameterText } from '../../api/release-facts';
import { inWords } from '../../api/release-states';
import { ChannelBadge, StateBadge } from '../../components/badges';
import { timeAgo } from '../../components/time-format';

/** Releases one per row: application, environment, state, approval, stage, author and age. */
export function ReleaseTable({ releases }: { releases: Release[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Release</th>
            <th scope="col">Environment</th>
            <th scope="col">State</th>
            <th scope="col">Approval</th>
            <th scope="col">Stage</th>
            <th scope="col">By</th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {releases.map((r) => (
            <tr key={r.id}>
              <td>
                <Link to={`/releases/${r.id}`}>{r.application}</Link>
                {r.kind === 'rollback' && <span className="badge badge-neutral">rollback</span>}
                <div className="muted small">{r.description ?? parameterText(r)}</div>
              </td>
              <td>{r.environment}</td>
              <td>
                <StateBadge state={r.state} />
              </td>
              <td>{inWords(r.approval.status)}</td>
              <td>{inWords(r.execution.stage)}</td>
              <td>
                {r.createdBy} <ChannelBadge channel={r.channel} />
              </td>
              <td>{timeAgo(r.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
