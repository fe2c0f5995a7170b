import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import type { Release } from '../../api/client';
import { TERMINAL_STATES, inWords } from '../../api/release-states';
import { watchRelease } from '../../api/release-stream';
import { StateBadge } from '../../components/badges';
import type { Card } from './chat-message';

/**
 * A release card whose state and stage follow the release live, every card of the conversation (cards of one release
 * share one stream; a card shown in a final state opens none: its stream would end at once).
 */
export function LiveReleaseCard({ card }: { card: Extract<Card, { type: 'release' }> }) {
  const [release, setRelease] = useState<Pick<Release, 'state' | 'execution' | 'approval'> | null>(null);
  const final = TERMINAL_STATES.includes(card.state);
  useEffect(() => {
    if (final) return;
    const stop = watchRelease(card.releaseId, { onEvent: () => undefined, onRelease: (r) => setRelease(r) });
    return () => stop();
  }, [card.releaseId, final]);
  const state = release?.state ?? card.state;
  return (
    <div className="card action-card" data-card="release" data-state={state}>
      <Link to={`/releases/${card.releaseId}`}>
        {card.application} → {card.environment}
      </Link>{' '}
      <StateBadge state={state} />
      <div className="muted small">
        approval {inWords(release?.approval.status ?? card.approvalStatus)} · execution{' '}
        <span data-testid="card-stage">{inWords(release?.execution.stage ?? card.stage)}</span>
      </div>
    </div>
  );
}
