import { proposalCard, releaseCard } from '../cards.js';
import { describePreview, short } from '../reply-words.js';
import { ask, type IntentHandler } from './intent-handler.js';
import { preview, propose } from './release-steps.js';
import { resolveRelease, target } from './release-subject.js';

/** Proposes applying a release previewed in this conversation; nothing runs until the operator confirms. */
export const proposeApply: IntentHandler<'propose_apply'> = async (scope, args) => {
  const found = await target(scope, args.releaseId, 'Which release should I apply?');
  if ('ask' in found) return ask(found.ask);
  const release = found.release;
  const previewId = scope.turn.state.previews[release.id];
  if (!previewId) return ask('I need a preview of this release made here before it can be applied. Say “preview it”.');
  const proposal = propose(scope, release, previewId);
  const waiting =
    release.state === 'pending_approval' ? ' It still waits for approval: confirming before it is approved will be refused.' : '';
  return {
    reply: `Ready to apply ${release.application} to ${release.environment}. Confirm to run it.${waiting}`,
    actions: [releaseCard(release), proposalCard(proposal, release)],
  };
};

/**
 * Drafts and previews a rollback to the last good release, then proposes applying it; where the environment
 * requires approval it asks for a submit instead.
 */
export const proposeRollback: IntentHandler<'propose_rollback'> = async (scope, args) => {
  const { shipgate, caller, turn } = scope;
  const question = 'Which release should I roll back? Name the application and environment.';
  const resolved = await resolveRelease(scope, args, ['succeeded', 'failed', 'interrupted'], question);
  if ('ask' in resolved) return ask(resolved.ask);
  const source = resolved.release;
  const rollback = await shipgate.releases.rollback(caller, source.id, {});
  turn.record({ type: 'subject', releaseId: rollback.id });
  const made = await preview(scope, rollback.id);
  const drafted =
    `Drafted rollback release ${short(rollback.id)} of ${source.application} in ${source.environment} to release ` +
    `${short(rollback.rollbackTo ?? '')}. ${describePreview(made.summary)}`;
  const env = await shipgate.environments.get(caller, rollback.environment);
  if (rollback.approval.status !== 'not_required') {
    return {
      reply: `${drafted} ${env.name} requires approval: say “submit it”, then “apply it” once approved.`,
      actions: [releaseCard(rollback), made.card],
    };
  }
  const proposal = propose(scope, rollback, made.id);
  return {
    reply: `${drafted} Confirm to apply it.`,
    actions: [releaseCard(rollback), made.card, proposalCard(proposal, rollback)],
  };
};
