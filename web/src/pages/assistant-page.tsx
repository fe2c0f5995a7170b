import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api, unwrap, type Release } from '../api/client';
import { watchRelease } from '../api/release-stream';
import { StateBadge } from '../components/badges';
import { Empty, Loading, ProblemNotice, formatTime, timeAgo } from '../components/common';
import { ChangeSummary } from '../components/diff-view';

/** The cards a command-center reply can carry (see the server's command center). */
type Card =
  | { type: 'release'; releaseId: string; application: string; environment: string; state: string; approvalStatus: string; stage: string }
  | { type: 'preview'; releaseId: string; summary: { create: number; update: number; delete: number; unchanged: number }; changes: Array<{ action: string; kind: string; name: string }>; expiresAt: string }
  | { type: 'proposal'; id: string; kind: 'apply'; releaseId: string; label: string; status: string }
  | { type: 'timeline'; releaseId: string; events: Array<{ seq: number; type: string; actor: string; channel: string; at: string }> }
  | { type: 'diagnostics'; releaseId: string; summary: string; findings: Array<{ severity: string; code: string; resource: string; message: string }> }
  | { type: 'approvals'; items: Array<{ id: string; releaseId: string; application: string; environment: string; requestedBy: string; approvals: number; minApprovers: number }> };

interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  actions: Card[];
  at: string;
}

const EXAMPLES = ['deploy web to staging with IMAGE_TAG=1.4.2', 'promote web from staging to production', 'what waits for approval?', 'why did web fail in staging?'];

/** The AI command center: a chat that drafts, previews, submits and proposes; you confirm what runs. */
export function AssistantPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const conversations = useQuery({ queryKey: ['conversations'], queryFn: () => unwrap(api.GET('/api/v1/ai/conversations')) });
  const conversation = useQuery({
    queryKey: ['conversation', id],
    queryFn: () => unwrap(api.GET('/api/v1/ai/conversations/{id}', { params: { path: { id: id! } } })),
    enabled: Boolean(id),
  });
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirmed, setConfirmed] = useState<Set<string>>(new Set());
  const listRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    setMessages(id ? ((conversation.data?.messages ?? []) as unknown as ChatMessage[]) : []);
  }, [id, conversation.data]);
  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [messages.length]);

  // Only the newest release card follows its release live: each live card holds a connection.
  const lastWithRelease = messages.reduce((last, m, i) => (m.actions.some((a) => a.type === 'release') ? i : last), -1);
  const append = (...more: ChatMessage[]) => setMessages((list) => [...list, ...more]);
  const afterReply = async (conversationId: string) => {
    await queryClient.invalidateQueries({ queryKey: ['conversations'] });
    if (conversationId !== id) navigate(`/assistant/${conversationId}`, { replace: true });
  };

  const send = async (e?: FormEvent, override?: string) => {
    e?.preventDefault();
    const message = (override ?? text).trim();
    if (!message) return;
    setBusy(true);
    setError(null);
    setText('');
    append({ id: `local-${Date.now()}`, role: 'user', text: message, actions: [], at: new Date().toISOString() });
    try {
      const reply = await unwrap(api.POST('/api/v1/ai/messages', { body: { text: message, ...(id ? { conversationId: id } : {}) } }));
      append({ id: `reply-${Date.now()}`, role: 'assistant', text: reply.reply, actions: reply.actions as Card[], at: new Date().toISOString() });
      await afterReply(reply.conversationId);
    } catch (err) {
      setError(err);
      const conversationId = err instanceof ApiError ? (err.problem as { conversationId?: string }).conversationId : undefined;
      if (conversationId) await afterReply(conversationId);
    } finally {
      setBusy(false);
    }
  };

  const confirm = async (card: Extract<Card, { type: 'proposal' }>) => {
    if (!id) return;
    setBusy(true);
    setError(null);
    try {
      const reply = await unwrap(api.POST('/api/v1/ai/confirmations', { body: { conversationId: id, actionId: card.id } }));
      setConfirmed((s) => new Set([...s, card.id]));
      append({ id: `confirm-${Date.now()}`, role: 'assistant', text: reply.reply, actions: reply.actions as Card[], at: new Date().toISOString() });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page assistant">
      <div className="page-head">
        <h1>Command center</h1>
        <Link className="button" to="/assistant">New conversation</Link>
      </div>
      <div className="assistant-layout">
        <nav className="conversations" aria-label="Your conversations">
          <h2 className="small-title">Your conversations</h2>
          {conversations.isLoading && <Loading what="conversations" />}
          {conversations.data?.items.length === 0 && <p className="muted small">None yet.</p>}
          <ul className="plain">
            {conversations.data?.items.map((c) => (
              <li key={c.id}>
                <Link to={`/assistant/${c.id}`} aria-current={c.id === id ? 'page' : undefined}>{c.title}</Link>
                <div className="muted small">{timeAgo(c.updatedAt)}</div>
              </li>
            ))}
          </ul>
        </nav>
        <section className="chat" aria-label="Conversation">
          <ol className="messages" aria-live="polite" ref={listRef}>
            {messages.length === 0 && !conversation.isLoading && (
              <li className="message-empty">
                <Empty title="Ask for a release in plain words">
                  I act with your own permissions, never approve, and ask you to confirm anything that changes a runtime.
                  <div className="actions examples">
                    {EXAMPLES.map((ex) => (
                      <button key={ex} type="button" className="button button-small" onClick={() => setText(ex)}>{ex}</button>
                    ))}
                  </div>
                </Empty>
              </li>
            )}
            {messages.map((m, index) => (
              <li key={m.id} className={`message message-${m.role}`}>
                <span className="visually-hidden">{m.role === 'user' ? 'You' : 'Shipgate'}:</span>
                <p className="pre-line">{m.text}</p>
                {m.actions.map((card, i) => (
                  <CardView key={i} card={card} busy={busy} live={index === lastWithRelease} confirmed={card.type === 'proposal' && (confirmed.has(card.id) || card.status !== 'proposed')} onConfirm={confirm} />
                ))}
              </li>
            ))}
          </ol>
          {error !== null && <ProblemNotice error={error} />}
          <form className="composer" onSubmit={send}>
            <label htmlFor="message" className="visually-hidden">Message</label>
            <input id="message" value={text} onChange={(e) => setText(e.target.value)} placeholder="e.g. deploy web to staging with IMAGE_TAG=1.4.2" autoComplete="off" disabled={busy} />
            <button type="submit" className="button button-primary" disabled={busy || text.trim() === ''}>{busy ? 'Working…' : 'Send'}</button>
          </form>
        </section>
      </div>
    </div>
  );
}

function CardView({ card, busy, confirmed, live, onConfirm }: { card: Card; busy: boolean; confirmed: boolean; live: boolean; onConfirm: (c: Extract<Card, { type: 'proposal' }>) => void }) {
  switch (card.type) {
    case 'release':
      return <LiveReleaseCard card={card} live={live} />;
    case 'preview':
      return (
        <div className="card action-card" data-card="preview">
          <strong>Preview</strong> <span className="muted small">expires {formatTime(card.expiresAt)}</span>
          <ChangeSummary summary={card.summary} />
          <ul className="plain small">
            {card.changes.map((c) => <li key={`${c.kind}/${c.name}`}><span className={`badge badge-action-${c.action}`}>{c.action}</span> {c.kind}/{c.name}</li>)}
          </ul>
          <Link to={`/releases/${card.releaseId}`}>See the full diff</Link>
        </div>
      );
    case 'proposal':
      return (
        <div className="card action-card" data-card="proposal">
          <strong>{card.label}</strong>
          <p className="muted small">Nothing runs until you confirm. The apply goes through the same preview, approval and freeze checks as the Deployment page.</p>
          <button type="button" className="button button-primary" disabled={busy || confirmed} onClick={() => onConfirm(card)}>
            {confirmed ? 'Confirmed' : 'Confirm apply'}
          </button>
        </div>
      );
    case 'timeline':
      return (
        <div className="card action-card" data-card="timeline">
          <ol className="plain small">
            {card.events.map((e) => <li key={e.seq}>#{e.seq} <code>{e.type}</code> {e.actor} ({e.channel}) {timeAgo(e.at)}</li>)}
          </ol>
          <Link to={`/releases/${card.releaseId}`}>Open the release</Link>
        </div>
      );
    case 'diagnostics':
      return (
        <div className="card action-card" data-card="diagnostics">
          <strong>{card.summary}</strong>
          <ul className="plain small">
            {card.findings.map((f, i) => <li key={i}><span className={`badge badge-${f.severity === 'error' ? 'danger' : f.severity === 'warning' ? 'warning' : 'info'}`}>{f.severity}</span> <code>{f.code}</code> {f.resource}: {f.message}</li>)}
          </ul>
          <Link to={`/releases/${card.releaseId}`}>Open the diagnostics</Link>
        </div>
      );
    case 'approvals':
      return (
        <div className="card action-card" data-card="approvals">
          {card.items.length === 0 ? <p className="muted">Nothing waits.</p> : (
            <ul className="plain small">
              {card.items.map((t) => <li key={t.id}><Link to={`/releases/${t.releaseId}`}>{t.application} → {t.environment}</Link> by {t.requestedBy} ({t.approvals}/{t.minApprovers})</li>)}
            </ul>
          )}
          <Link to="/approvals">Open the approval queue</Link>
        </div>
      );
  }
}

/** A release card whose state and stage follow the release live. */
function LiveReleaseCard({ card, live }: { card: Extract<Card, { type: 'release' }>; live: boolean }) {
  const [release, setRelease] = useState<Pick<Release, 'state' | 'execution' | 'approval'> | null>(null);
  useEffect(() => {
    if (!live) return;
    const stop = watchRelease(card.releaseId, { onEvent: () => undefined, onRelease: (r) => setRelease(r) });
    return () => stop();
  }, [card.releaseId, live]);
  const state = release?.state ?? card.state;
  return (
    <div className="card action-card" data-card="release" data-state={state}>
      <Link to={`/releases/${card.releaseId}`}>{card.application} → {card.environment}</Link> <StateBadge state={state} />
      <div className="muted small">
        approval {(release?.approval.status ?? card.approvalStatus).replaceAll('_', ' ')} · execution <span data-testid="card-stage">{(release?.execution.stage ?? card.stage).replaceAll('_', ' ')}</span>
      </div>
    </div>
  );
}
