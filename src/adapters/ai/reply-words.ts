import type { ChangeSummary } from '../../core/preview/preview.js';

// The command center's own words: the pieces replies are composed of.

/** What the command center can do, with examples. */
export const HELP = [
  'I can draft, promote, preview, submit, cancel and propose to apply releases; say what runs where and whether it is healthy; show ' +
    'status, timelines, drift and policy verdicts; explain failures and propose rollbacks. For example:',
  '• “deploy web to staging with IMAGE_TAG=1.4.2”, “push web v5 to staging”, “rollout web on staging image tag 3”',
  '• “promote web from staging to production”, “deploy web to production, same as staging”',
  '• “preview it”, “submit it”, “apply it” (you confirm before anything runs), “cancel it”',
  '• “what runs in production?”, “is web healthy in staging?”, “any drift in production?”, “does it pass policy?”',
  '• “status of web in production”, “show the timeline”, “why did web fail in staging?”',
  '• “roll back web in production”, “what waits for approval?”',
  'I act with your own permissions and I never approve releases.',
].join('\n');

/** The answer when no one action could be understood. */
export const UNCLEAR =
  'Nothing was done: I could not tell which one action you meant. Try “deploy web to staging with IMAGE_TAG=1.4.2”, “status of web in ' +
  'production” or “help”.';

/** A release id as a reply shows it. */
export function short(id: string): string {
  return id.slice(0, 8);
}

/** An enum value (a state, a stage) as words. */
export function words(value: string): string {
  return value.replaceAll('_', ' ');
}

/** A preview's counts in one sentence. */
export function describePreview(s: ChangeSummary): string {
  return `Preview: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged.`;
}
