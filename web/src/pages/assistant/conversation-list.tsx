import { Link } from 'wouter';
import { useConversations } from '../../api/queries';
import { Loading } from '../../components/loading';
import { timeAgo } from '../../components/time-format';

/** The user's conversations, newest activity shown; `current` is marked as the page. */
export function ConversationList({ current }: { current: string | undefined }) {
  const conversations = useConversations();
  return (
    <nav className="conversations" aria-label="Your conversations">
      <h2 className="small-title">Your conversations</h2>
      {conversations.isLoading && <Loading what="conversations" />}
      {conversations.data?.items.length === 0 && <p className="muted small">None yet.</p>}
      <ul className="plain">
        {conversations.data?.items.map((c) => (
          <li key={c.id}>
            <Link to={`/assistant/${c.id}`} aria-current={c.id === current ? 'page' : undefined}>
              {c.title}
            </Link>
            <div className="muted small">{timeAgo(c.updatedAt)}</div>
          </li>
        ))}
      </ul>
    </nav>
  );
}
