import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import type { Release } from '../../api/client';
import { inWords } from '../../api/release-states';
import { watchRelease } from '../../api/release-stream';
import { StateBadge } from '../../components/badges';
import type { Card } from './chat-message';

/** A release card whose state and stage follow the release live. */
export function LiveReleaseCard({ card, live }: { card: Extract<Card, { type: 'release' }>; live: boolean }) {
  const [release, setRelease] = useState<Pick<Release, 'state' | 'execution' | 'approval'> | null>(null);
  useEffect(() => {
    if (!live) return;
    const stop = watchRelease(card.releaseId, { onEvent: () => undefined, onRelease: (r) => setRelease(r) });
    return () => stop();
  }, [card.releaseId, live]);
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
