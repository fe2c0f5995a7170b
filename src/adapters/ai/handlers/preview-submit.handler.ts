import { nextStepsCard, releaseCard } from '../cards.js';
import { describePreview } from '../reply-words.js';
import { ask, type IntentHandler } from './intent-handler.js';
import { nextStep, preview } from './release-steps.js';
import { target } from './release-subject.js';

/** Previews the release named or the conversation's, and says what comes next. */
export const previewRelease: IntentHandler<'preview_release'> = async (scope, args) => {
  const found = await target(scope, args.releaseId, 'Which release should I preview? Draft one first, or give its id.');
  if ('ask' in found) return ask(found.ask);
  const made = await preview(scope, found.release.id);
  const next = await nextStep(scope, found.release);
  return { reply: `${describePreview(made.summary)} ${next.words}`, actions: [made.card, next.card] };
};

/** Submits a release with the preview this conversation made of it (the use case refuses any other). */
export const submitRelease: IntentHandler<'submit_release'> = async (scope, args) => {
  const { shipgate, caller, turn } = scope;
  const found = await target(scope, args.releaseId, 'Which release should I submit?');
  if ('ask' in found) return ask(found.ask);
  const release = await shipgate.releases.submit(caller, found.release.id, { previewId: turn.state.previews[found.release.id] });
  const needed = release.approval.minApprovers;
  const reply =
    release.state === 'pending_approval'
      ? `Submitted ${release.application} for ${release.environment}: it waits for ${needed} approval${needed > 1 ? 's' : ''} in the ` +
        `Approvals queue. Nothing runs until it is approved; then say “apply it”.`
      : `Submitted. ${release.environment} needs no approval: say “apply it” when you are ready.`;
  const steps = release.state === 'pending_approval' ? [] : [nextStepsCard([{ label: 'Apply it', message: 'apply it' }])];
  return { reply, actions: [releaseCard(release), ...steps] };
};
