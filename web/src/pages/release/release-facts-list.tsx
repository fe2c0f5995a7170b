import { Link } from 'wouter';
import type { Release } from '../../api/client';
import { approvalsGiven, parameterText } from '../../api/release-facts';
import { inWords } from '../../api/release-states';
import { ChannelBadge } from '../../components/badges';
import { formatTime } from '../../components/time-format';

/** The approval in words: "required, not requested yet" before a submit, else its status and the approvals given. */
function approvalWords(r: Release): string {
  if (r.approval.status === 'pending' && !r.approval.ticketId) return 'required, not requested yet';
  const given = r.approval.status === 'not_required' ? '' : ` (${approvalsGiven(r.approval)}/${r.approval.minApprovers})`;
  return `${inWords(r.approval.status)}${given}`;
}

/**
 * The release at a glance: state, runtime, approval, execution, kind, revision, author, the release it was started
 * from (`startedFrom`, as its `release.created` event records it) and parameters.
 */
export function ReleaseFactsList({ release: r, startedFrom }: { release: Release; startedFrom?: string | null }) {
  return (
    <dl className="facts" aria-label="Release facts">
      <div>
        <dt>State</dt>
        <dd data-testid="state">{inWords(r.state)}</dd>
      </div>
      <div>
        <dt>Runtime</dt>
        <dd>{r.runtime}</dd>
      </div>
      <div>
        <dt>Approval</dt>
        <dd data-testid="approval-status">{approvalWords(r)}</dd>
      </div>
      <div>
        <dt>Execution</dt>
        <dd data-testid="stage">{inWords(r.execution.stage)}</dd>
      </div>
      <div>
        <dt>Kind</dt>
        <dd>
          {r.kind}
          {r.provenance && (
            <>
              {' '}
              promoted from <Link to={`/releases/${r.provenance.releaseId}`}>{r.provenance.environment}</Link>
            </>
          )}
          {r.rollbackTo && (
            <>
              {' '}
              of <Link to={`/releases/${r.rollbackOf}`}>release</Link>, restoring <Link to={`/releases/${r.rollbackTo}`}>this one</Link>
            </>
          )}
        </dd>
      </div>
      <div>
        <dt>Revision</dt>
        <dd>
          {r.draftRevision} <code className="small">{r.draftDigest.slice(0, 19)}</code>
        </dd>
      </div>
      <div>
        <dt>Created</dt>
        <dd>
          {r.createdBy} <ChannelBadge channel={r.channel} /> {formatTime(r.createdAt)}
          {startedFrom && (
            <>
              , started from <Link to={`/releases/${startedFrom}`}>release {startedFrom.slice(0, 8)}</Link>
            </>
          )}
        </dd>
      </div>
      {Object.keys(r.parameters).length > 0 && (
        <div>
          <dt>Parameters</dt>
          <dd>{parameterText(r)}</dd>
        </div>
      )}
    </dl>
  );
}
