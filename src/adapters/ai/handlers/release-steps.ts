import type { ChangeSummary } from '../../../core/preview/preview.js';
import type { Release } from '../../../core/release/release.js';
import { nextStepsCard, previewCard, type ActionCard, type NextStep } from '../cards.js';
import { describeIntent, type Intent } from '../ai-actions.js';
import type { HeldAction, Proposal } from '../conversation-state.js';
import type { TurnScope } from './intent-handler.js';

/** A preview made in this conversation: its id, its counts and its card. */
interface MadePreview {
  id: string;
  summary: ChangeSummary;
  card: ActionCard;
}

/** Previews a release and remembers the preview's id (never its token) for this conversation. */
export async function preview({ shipgate, caller, turn }: TurnScope, releaseId: string): Promise<MadePreview> {
  const { token: _token, ...made } = await shipgate.releases.preview(caller, releaseId);
  turn.record({ type: 'previewed', releaseId, previewId: made.id });
  return { id: made.id, summary: made.summary, card: previewCard(made) };
}

/** Proposes applying a release with a preview of this conversation; the operator confirms it by id. */
export function propose({ shipgate, turn }: TurnScope, release: Release, previewId: string): Proposal {
  const proposal: Proposal = {
    id: shipgate.conversations.newId(),
    kind: 'apply',
    releaseId: release.id,
    previewId,
    status: 'proposed',
  };
  turn.record({ type: 'proposed', proposal });
  return proposal;
}

/**
 * Holds an action for the operator to confirm by id (one a model asked for after reading Shipgate's data, or a next
 * step an answer proposes); it runs, as if asked directly, once confirmed.
 */
export function hold({ shipgate, turn }: TurnScope, intent: Intent, label = describeIntent(intent)): HeldAction {
  const held: HeldAction = {
    id: shipgate.conversations.newId(),
    action: intent.action,
    args: { ...(intent.args as Record<string, unknown>) },
    label,
    status: 'proposed',
  };
  turn.record({ type: 'held', action: held });
  return held;
}

/**
 * What the operator says next for a previewed release — submit it where approval is required, else apply it — in
 * words and as buttons (a button sends the message it names; an apply still waits for the confirmation).
 */
export async function nextStep({ shipgate, caller }: TurnScope, release: Release): Promise<{ words: string; card: ActionCard }> {
  const env = await shipgate.environments.get(caller, release.environment);
  const steps: NextStep[] =
    release.approval.status !== 'not_required'
      ? [{ label: 'Submit for approval', message: 'submit it' }]
      : [{ label: 'Apply it', message: 'apply it' }];
  steps.push({ label: 'Cancel it', message: 'cancel it' });
  const words =
    release.approval.status !== 'not_required'
      ? `${env.name} requires approval: say “submit it” to request it.`
      : `Say “apply it” to apply it (you will confirm).`;
  return { words, card: nextStepsCard(steps) };
}
