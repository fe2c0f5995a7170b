import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { api, unwrap, type Approval, type Decision, type Me } from '../api/client';
import { queryKeys, useMe, usePendingApprovals } from '../api/queries';
import { approvalsGiven } from '../api/release-facts';
import { useActions } from '../api/use-actions';
import { Countdown } from '../components/countdown';
import { ChangeSummary } from '../components/diff-view';
import { EmptyState } from '../components/empty-state';
import { Loading } from '../components/loading';
import { ProblemNotice } from '../components/problem-notice';
import { timeAgo } from '../components/time-format';
import { decisionBlocker } from '../session/permissions';

/** The global approval queue: every pending ticket the user may read, oldest first. */
export function ApprovalsPage() {
  const me = useMe();
  const tickets = usePendingApprovals();
  return (
    <div className="page">
      <h1>Approvals</h1>
      <p className="muted">Releases waiting for a decision, across every environment you can read, oldest first.</p>
      {tickets.isLoading && <Loading what="the approval queue" />}
      {tickets.error && <ProblemNotice error={tickets.error} />}
      {tickets.data && tickets.data.items.length === 0 && (
        <EmptyState title="Nothing waits for approval">Releases submitted to environments that require approval appear here.</EmptyState>
      )}
      <ul className="tickets">
        {tickets.data?.items.map((t) => (
          <Ticket key={t.id} ticket={t} me={me.data} />
        ))}
      </ul>
    </div>
  );
}

/** One pending ticket: what it changes, who decided, and the approve and reject buttons. */
function Ticket({ ticket, me }: { ticket: Approval; me: Me | null | undefined }) {
  const [comment, setComment] = useState('');
  const queryClient = useQueryClient();
  const blocker = decisionBlocker(ticket, me);
  const approvals = approvalsGiven(ticket);
  const actions = useActions({
    decide: async (decision: Decision) => {
      const body = { decision, ...(comment ? { comment } : {}) };
      await unwrap(api.POST('/api/v1/approvals/{id}/decision', { params: { path: { id: ticket.id } }, body }));
      await queryClient.invalidateQueries({ queryKey: queryKeys.approvals.all });
    },
  });
  const busy = actions.pending !== null;
  const titleId = `ticket-${ticket.id}`;
  return (
    <li className="card ticket" aria-labelledby={titleId} data-release={ticket.releaseId}>
      <header className="card-head">
        <h2 id={titleId}>
          <Link to={`/releases/${ticket.releaseId}`}>{ticket.application}</Link> <span className="muted">→ {ticket.environment}</span>
        </h2>
        <Countdown until={ticket.expiresAt} label="Expires in" />
      </header>
      <p>
        Requested by <strong>{ticket.requestedBy}</strong> {timeAgo(ticket.requestedAt)} · {approvals} of {ticket.minApprovers} approvals
      </p>
      {ticket.description && <p>{ticket.description}</p>}
      {ticket.summary && <ChangeSummary summary={ticket.summary} />}
      {ticket.decisions.length > 0 && (
        <ul className="plain">
          {ticket.decisions.map((d) => (
            <li key={d.approver}>
              {d.approver}: {d.decision}
              {d.comment && ` — “${d.comment}”`}
            </li>
          ))}
        </ul>
      )}
      <label>
        Comment
        <input value={comment} onChange={(e) => setComment(e.target.value)} disabled={blocker !== null} />
      </label>
      {blocker && (
        <p className="hint" id={`${titleId}-why`}>
          {blocker}
        </p>
      )}
      {actions.error && <ProblemNotice error={actions.error} />}
      <div className="actions">
        <button
          type="button"
          className="button button-primary"
          onClick={() => actions.run('decide', 'approve')}
          disabled={busy || blocker !== null}
          aria-describedby={blocker ? `${titleId}-why` : undefined}
        >
          Approve
        </button>
        <button
          type="button"
          className="button button-danger"
          onClick={() => actions.run('decide', 'reject')}
          disabled={busy || blocker !== null}
          aria-describedby={blocker ? `${titleId}-why` : undefined}
        >
          Reject
        </button>
      </div>
    </li>
  );
}
