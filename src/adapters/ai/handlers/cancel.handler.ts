import { releaseCard } from '../cards.js';
import { short, words } from '../reply-words.js';
import { ask, type IntentHandler } from './intent-handler.js';
import { resolveRelease } from './release-subject.js';

/** The states a release can be cancelled in: nothing of it has run. */
const CANCELLABLE = ['draft', 'previewed', 'pending_approval', 'approved'] as const;

/**
 * Cancels the release named or the conversation's (preferring one not applied yet among those of an application in
 * an environment) through the cancel use case: its permission and state checks answer as the API does.
 */
export const cancelRelease: IntentHandler<'cancel_release'> = async (scope, args) => {
  const resolved = await resolveRelease(scope, args, CANCELLABLE, 'Which release should I cancel? Name the application and environment.');
  if ('ask' in resolved) return ask(resolved.ask);
  const found = resolved.release;
  if (!(CANCELLABLE as readonly string[]).includes(found.state)) {
    return ask(
      `Release ${short(found.id)} of ${found.application} in ${found.environment} is ${words(found.state)}: only a release ` +
        'not yet applied can be cancelled. To undo what runs, say “roll it back”.',
    );
  }
  const cancelled = await scope.shipgate.releases.cancel(scope.caller, found.id);
  return {
    reply:
      `Cancelled release ${short(cancelled.id)} of ${cancelled.application} for ${cancelled.environment}` +
      `${found.state === 'pending_approval' ? ': its approval request is withdrawn' : ''}. Nothing of it ran.`,
    actions: [releaseCard(cancelled)],
  };
};
