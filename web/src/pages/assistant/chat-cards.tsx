import { Link } from 'wouter';
import { ChangeActionBadge, SeverityBadge } from '../../components/badges';
import { ChangeSummary } from '../../components/diff-view';
import { formatTime, timeAgo } from '../../components/time-format';
import type { Card, ProposalCard } from './chat-message';
import { LiveReleaseCard } from './live-release-card';

/** One card of a reply; a proposal is confirmed here, and nothing runs until it is. */
export function CardView({
  card,
  busy,
  confirmed,
  onConfirm,
  onStep,
}: {
  card: Card;
  busy: boolean;
  confirmed: boolean;
  onConfirm: (c: ProposalCard) => void;
  /** Sends a next step's message, as if typed. */
  onStep: (message: string) => void;
}) {
  switch (card.type) {
    case 'release':
      return <LiveReleaseCard card={card} />;
    case 'preview':
      return (
        <div className="card action-card" data-card="preview">
          <strong>Preview</strong> <span className="muted small">expires {formatTime(card.expiresAt)}</span>
          <ChangeSummary summary={card.summary} />
          <ul className="plain small">
            {card.changes.map((c) => (
              <li key={`${c.kind}/${c.name}`}>
                <ChangeActionBadge action={c.action} /> {c.kind}/{c.name}
              </li>
            ))}
          </ul>
          <Link to={`/releases/${card.releaseId}`}>See the full diff</Link>
        </div>
      );
    case 'proposal':
      return (
        <div className="card action-card" data-card="proposal">
          <strong>{card.label}</strong>
          <p className="muted small">
            {card.kind === 'apply'
              ? 'Nothing runs until you confirm. The apply passes the same preview, approval and freeze checks as the Deployment page.'
              : "The language model asked for this after reading Shipgate's data; it is held until you confirm it."}
          </p>
          <button type="button" className="button button-primary" disabled={busy || confirmed} onClick={() => onConfirm(card)}>
            {confirmed ? 'Confirmed' : card.kind === 'apply' ? 'Confirm apply' : 'Confirm'}
          </button>
        </div>
      );
    case 'timeline':
      return (
        <div className="card action-card" data-card="timeline">
          <ol className="plain small">
            {card.events.map((e) => (
              <li key={e.seq}>
                #{e.seq} <code>{e.type}</code> {e.actor} ({e.channel}) {timeAgo(e.at)}
              </li>
            ))}
          </ol>
          <Link to={`/releases/${card.releaseId}`}>Open the release</Link>
        </div>
      );
    case 'diagnostics':
      return (
        <div className="card action-card" data-card="diagnostics">
          <strong>{card.summary}</strong>
          <ul className="plain small">
            {card.findings.map((f, i) => (
              <li key={i}>
                <SeverityBadge severity={f.severity} /> <code>{f.code}</code> {f.resource}: {f.message}
              </li>
            ))}
          </ul>
          {(card.logs ?? []).map((l) => (
            <figure key={l.resource} className="log-excerpt">
              <figcaption className="muted small">Last log lines of {l.resource}</figcaption>
              <pre className="small">{l.lines.join('\n')}</pre>
            </figure>
          ))}
          <Link to={`/releases/${card.releaseId}`}>Open the diagnostics</Link>
        </div>
      );
    case 'changes':
      return (
        <div className="card action-card" data-card="changes">
          <strong>
            Since the last good release <Link to={`/releases/${card.sinceReleaseId}`}>{card.sinceReleaseId.slice(0, 8)}</Link>
          </strong>
          {card.parameters.length === 0 ? (
            <p className="muted small">No parameter changed.</p>
          ) : (
            <ul className="plain small">
              {card.parameters.map((p) => (
                <li key={p.name}>
                  <code>{p.name}</code> {p.from ?? '(unset)'} → {p.to ?? '(unset)'}
                </li>
              ))}
            </ul>
          )}
        </div>
      );
    case 'next_steps':
      return (
        <div className="card action-card actions" data-card="next_steps">
          {card.items.map((step) => (
            <button key={step.message} type="button" className="button button-small" disabled={busy} onClick={() => onStep(step.message)}>
              {step.label}
            </button>
          ))}
        </div>
      );
    case 'approvals':
      return (
        <div className="card action-card" data-card="approvals">
          {card.items.length === 0 ? (
            <p className="muted">Nothing waits.</p>
          ) : (
            <ul className="plain small">
              {card.items.map((t) => (
                <li key={t.id}>
                  <Link to={`/releases/${t.releaseId}`}>
                    {t.application} → {t.environment}
                  </Link>{' '}
                  by {t.requestedBy} ({t.approvals}/{t.minApprovers})
                </li>
              ))}
            </ul>
          )}
          <Link to="/approvals">Open the approval queue</Link>
        </div>
      );
  }
}
