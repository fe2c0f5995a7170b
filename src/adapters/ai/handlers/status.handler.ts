import { approvalsGiven } from '../../../core/approval/approval.js';
import { releaseCard, timelineCard } from '../cards.js';
import { short, words } from '../reply-words.js';
import { ask, type IntentHandler } from './intent-handler.js';
import { resolveRelease } from './release-subject.js';

/** How many of a release's newest timeline events a reply shows. */
const TIMELINE_SHOWN = 25;

/** A release's state, approval and execution stage in one sentence. */
export const showStatus: IntentHandler<'show_status'> = async (scope, args) => {
  const resolved = await resolveRelease(scope, args);
  if ('ask' in resolved) return ask(resolved.ask);
  const r = resolved.release;
  const approvals =
    r.approval.status === 'not_required'
      ? 'no approval needed'
      : `approval ${r.approval.status} (${approvalsGiven(r.approval.decisions)}/${r.approval.minApprovers})`;
  const execution = `execution ${words(r.execution.stage)}${r.execution.message ? ` — ${r.execution.message}` : ''}`;
  return {
    reply: `${r.application} in ${r.environment} (release ${short(r.id)}): ${words(r.state)}, ${approvals}, ${execution}.`,
    actions: [releaseCard(r)],
  };
};

/** The newest events of a release's timeline. */
export const showTimeline: IntentHandler<'show_timeline'> = async (scope, args) => {
  const resolved = await resolveRelease(scope, args);
  if ('ask' in resolved) return ask(resolved.ask);
  const release = resolved.release;
  const page = await scope.shipgate.releases.timeline(scope.caller, release.id, { limit: 500 });
  const events = page.items.slice(-TIMELINE_SHOWN);
  return {
    reply: `The last ${events.length} of ${page.items.length} events of ${release.application} in ${release.environment}.`,
    actions: [timelineCard(release.id, events)],
  };
};
