import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap, type Approval, type Me } from '../api/client';
import { Countdown, Empty, Loading, ProblemNotice, timeAgo } from '../components/common';
import { ChangeSummary } from '../components/diff-view';
import { can } from '../session/permissions';
import { useMe } from '../session/use-me';

/** Why the signed-in user may not decide on a ticket, or null when they may. */
export function decisionBlocker(ticket: Pick<Approval, 'environment' | 'requestedBy'>, me: Me | null | undefined): string | null {
  if (!can(me, 'deployment:approve', ticket.environment)) return `You need the approver role on ${ticket.environment} to decide.`;
  if (me?.subject === ticket.requestedBy) return 'You requested this release; another approver has to decide.';
  return null;
}

/** The global approval queue: every pending ticket the user may read, oldest first. */
export function ApprovalsPage() {
  const me = useMe();
  const tickets = useQuery({
    queryKey: ['approvals', 'pending'],
    queryFn: () => unwrap(api.GET('/api/v1/approvals', { params: { query: { status: 'pending' } } })),
    refetchInterval: 5000,
  });
  return (
    <div className="page">
      <h1>Approvals</h1>
      <p className="muted">Releases waiting for a decision, across every environment you can read, oldest first.</p>
      {tickets.isLoading && <Loading what="the approval queue" />}
      {tickets.error && <ProblemNotice error={tickets.error} />}
      {tickets.data && tickets.data.items.length === 0 && <Empty title="Nothing waits for approval">Releases submitted to environments that require approval appear here.</Empty>}
      <ul className="tickets">
        {tickets.data?.items.map((t) => <Ticket key={t.id} ticket={t} me={me.data} />)}
      </ul>
    </div>
  );
}

function Ticket({ ticket, me }: { ticket: Approval; me: Me | null | undefined }) {
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const queryClient = useQueryClient();
  const blocker = decisionBlocker(ticket, me);
  const approvals = ticket.decisions.filter((d) => d.decision === 'approve').length;
  const decide = async (decision: 'approve' | 'reject') => {
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.POST('/api/v1/approvals/{id}/decision', { params: { path: { id: ticket.id } }, body: { decision, ...(comment ? { comment } : {}) } }));
      await queryClient.invalidateQueries({ queryKey: ['approvals'] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
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
          {ticket.decisions.map((d) => <li key={d.approver}>{d.approver}: {d.decision}{d.comment && ` — “${d.comment}”`}</li>)}
        </ul>
      )}
      <label>
        Comment
        <input value={comment} onChange={(e) => setComment(e.target.value)} disabled={blocker !== null} />
      </label>
      {blocker && <p className="hint" id={`${titleId}-why`}>{blocker}</p>}
      {error !== null && <ProblemNotice error={error} />}
      <div className="actions">
        <button type="button" className="button button-primary" onClick={() => decide('approve')} disabled={busy || blocker !== null} aria-describedby={blocker ? `${titleId}-why` : undefined}>Approve</button>
        <button type="button" className="button button-danger" onClick={() => decide('reject')} disabled={busy || blocker !== null} aria-describedby={blocker ? `${titleId}-why` : undefined}>Reject</button>
      </div>
    </li>
  );
}
