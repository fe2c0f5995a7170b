import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import { ApiError, api, unwrap } from '../api/client';
import { queryKeys, useConversation } from '../api/queries';
import { useActions } from '../api/use-actions';
import { EmptyState } from '../components/empty-state';
import { ProblemNotice } from '../components/problem-notice';
import { sendCommand } from '../api/command-stream';
import { CardView } from './assistant/chat-cards';
import type { Card, ChatMessage, ProposalCard } from './assistant/chat-message';
import { ConversationList } from './assistant/conversation-list';

const EXAMPLES = [
  'deploy web to staging with IMAGE_TAG=1.4.2',
  'promote web from staging to production',
  'what waits for approval?',
  'why did web fail in staging?',
];

/** The AI command center: a chat that drafts, previews, submits and proposes; you confirm what runs. */
export function AssistantPage() {
  const { id } = useParams<{ id?: string }>();
  const [, navigate] = useLocation();
  const queryClient = useQueryClient();
  const conversation = useConversation(id);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [text, setText] = useState('');
  const [confirmed, setConfirmed] = useState<Set<string>>(new Set());
  const listRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    setMessages(id ? ((conversation.data?.messages ?? []) as unknown as ChatMessage[]) : []);
  }, [id, conversation.data]);
  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [messages.length]);

  const append = (...more: ChatMessage[]) => setMessages((list) => [...list, ...more]);
  const appendReply = (prefix: string, answer: { reply: string; actions: unknown[] }) =>
    append({
      id: `${prefix}-${Date.now()}`,
      role: 'assistant',
      text: answer.reply,
      actions: answer.actions as Card[],
      at: new Date().toISOString(),
    });
  const afterReply = async (conversationId: string) => {
    await queryClient.invalidateQueries({ queryKey: queryKeys.conversations });
    if (conversationId !== id) navigate(`/assistant/${conversationId}`, { replace: true });
  };

  const actions = useActions({
    send: async (message: string) => {
      // The answer shows as it is made: each step's words and cards, then the model's checked sentences.
      const pending = `pending-${Date.now()}`;
      let steps = '';
      let note = '';
      const cards: Card[] = [];
      const show = () =>
        setMessages((list) => [
          ...list.filter((m) => m.id !== pending),
          {
            id: pending,
            role: 'assistant',
            text: [steps, note].filter(Boolean).join('\n'),
            actions: [...cards],
            at: new Date().toISOString(),
          },
        ]);
      try {
        const answer = await sendCommand(
          { text: message, ...(id ? { conversationId: id } : {}) },
          {
            onStep: (step) => {
              steps = steps ? `${steps}\n${step.reply}` : step.reply;
              cards.push(...(step.actions as Card[]));
              show();
            },
            onText: (text) => {
              note = note ? `${note} ${text}` : text;
              show();
            },
          },
        );
        setMessages((list) => list.filter((m) => m.id !== pending));
        appendReply('reply', answer);
        await afterReply(answer.conversationId);
      } catch (err) {
        setMessages((list) => list.filter((m) => m.id !== pending));
        // A refusal still belongs to a conversation: open it, so that the message is not lost.
        const conversationId = err instanceof ApiError ? (err.problem as { conversationId?: string }).conversationId : undefined;
        if (conversationId) await afterReply(conversationId);
        throw err;
      }
    },
    confirm: async (card: ProposalCard, conversationId: string) => {
      const answer = await unwrap(api.POST('/api/v1/ai/confirmations', { body: { conversationId, actionId: card.id } }));
      setConfirmed((s) => new Set([...s, card.id]));
      appendReply('confirm', answer);
    },
  });
  const busy = actions.pending !== null;

  const say = (message: string) => {
    append({ id: `local-${Date.now()}`, role: 'user', text: message, actions: [], at: new Date().toISOString() });
    actions.run('send', message);
  };
  const send = (e: FormEvent) => {
    e.preventDefault();
    const message = text.trim();
    if (!message) return;
    setText('');
    say(message);
  };
  const confirm = (card: ProposalCard) => {
    if (id) actions.run('confirm', card, id);
  };

  return (
    <div className="page assistant">
      <div className="page-head">
        <h1>Command center</h1>
        <Link className="button" to="/assistant">
          New conversation
        </Link>
      </div>
      <div className="assistant-layout">
        <ConversationList current={id} />
        <section className="chat" aria-label="Conversation">
          <ol className="messages" aria-live="polite" ref={listRef}>
            {messages.length === 0 && !conversation.isLoading && (
              <li className="message-empty">
                <EmptyState title="Ask for a release in plain words">
                  I act with your own permissions, never approve, and ask you to confirm anything that changes a runtime.
                  <div className="actions examples">
                    {EXAMPLES.map((ex) => (
                      <button key={ex} type="button" className="button button-small" onClick={() => setText(ex)}>
                        {ex}
                      </button>
                    ))}
                  </div>
                </EmptyState>
              </li>
            )}
            {messages.map((m) => (
              <li key={m.id} className={`message message-${m.role}`} data-pending={m.id.startsWith('pending-') ? '' : undefined}>
                <span className="visually-hidden">{m.role === 'user' ? 'You' : 'Shipgate'}:</span>
                <p className="pre-line">{m.text}</p>
                {m.actions.map((card, i) => (
                  <CardView
                    key={i}
                    card={card}
                    busy={busy}
                    confirmed={card.type === 'proposal' && (confirmed.has(card.id) || card.status !== 'proposed')}
                    onConfirm={confirm}
                    onStep={say}
                  />
                ))}
              </li>
            ))}
          </ol>
          {actions.error && <ProblemNotice error={actions.error} />}
          <form className="composer" onSubmit={send}>
            <label htmlFor="message" className="visually-hidden">
              Message
            </label>
            <input
              id="message"
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder="e.g. deploy web to staging with IMAGE_TAG=1.4.2"
              autoComplete="off"
              disabled={busy}
            />
            <button type="submit" className="button button-primary" disabled={busy || text.trim() === ''}>
              {busy ? 'Working…' : 'Send'}
            </button>
          </form>
        </section>
      </div>
    </div>
  );
}
