import type { Finding } from '../../../core/diagnostics/diagnostics.js';
import type { PolicyResult } from '../../../core/policy/policy.js';
import { diagnosticsCard, releaseCard } from '../cards.js';
import { short, words } from '../reply-words.js';
import { ask, type IntentHandler } from './intent-handler.js';
import { resolveRelease } from './release-subject.js';

/** A finding in a few words: its code and where. */
const where = (f: Finding) => `${f.code} on ${f.resource.kind}/${f.resource.name}`;

/**
 * Whether an application is healthy: what its runtime shows now for its last succeeded release there (the same
 * diagnostics the release page shows), errors first.
 */
export const checkHealth: IntentHandler<'check_health'> = async (scope, args) => {
  const question = 'Which application should I check? Name it and its environment.';
  const resolved = await resolveRelease(scope, args, ['succeeded'], question);
  if ('ask' in resolved) return ask(resolved.ask);
  const release = resolved.release;
  const named = `${release.application} in ${release.environment}`;
  const diagnostics = await scope.shipgate.releases.diagnostics(scope.caller, release.id);
  const errors = diagnostics.findings.filter((f) => f.severity === 'error');
  const warnings = diagnostics.findings.filter((f) => f.severity === 'warning');
  let reply: string;
  if (release.state !== 'succeeded') {
    const newest = `its newest, ${short(release.id)}, is ${words(release.state)}`;
    reply = `${named} has no healthy release to check: ${newest}. ${diagnostics.summary}.`;
  } else if (errors.length > 0) {
    const [lead, ...others] = errors;
    const also = others.length > 0 ? ` Also: ${others.map((f) => `${where(f)} (${f.message})`).join('; ')}.` : '';
    reply = `${named} is not healthy: ${lead!.message} (${where(lead!)}).${also} Say “why did ${named} fail” for the evidence.`;
  } else {
    const notes =
      warnings.length > 0 ? ` ${warnings.length} warning${warnings.length > 1 ? 's' : ''}: ${warnings.map(where).join('; ')}.` : '';
    reply = `${named} looks healthy (release ${short(release.id)}): ${diagnostics.summary}.${notes}`;
  }
  return { reply, actions: [releaseCard(release), diagnosticsCard(diagnostics)] };
};

/** The runtime policy's verdict on a release, from its latest preview (as its timeline recorded it). */
export const showPolicy: IntentHandler<'show_policy'> = async (scope, args) => {
  const resolved = await resolveRelease(scope, args);
  if ('ask' in resolved) return ask(resolved.ask);
  const release = resolved.release;
  const page = await scope.shipgate.releases.timeline(scope.caller, release.id, { limit: 500 });
  const previewed = page.items.filter((e) => e.type === 'preview.created').at(-1);
  const policy = previewed?.data['policy'] as PolicyResult | undefined;
  if (!policy) return ask(`Release ${short(release.id)} has no preview yet, so its policy was not judged. Say “preview it”.`);
  const denies = policy.violations.filter((v) => v.severity === 'deny');
  const warns = policy.violations.filter((v) => v.severity === 'warn');
  const list = (vs: typeof denies) => vs.map((v) => `${v.ruleId} on ${v.resource.kind}/${v.resource.name}: ${v.message}`).join('; ');
  const verdict = policy.passed
    ? `The runtime policy of ${release.environment} passes release ${short(release.id)} of ${release.application}`
    : `The runtime policy of ${release.environment} denies release ${short(release.id)} of ${release.application}: ${list(denies)}`;
  const warnings = warns.length > 0 ? ` Warnings: ${list(warns)}.` : policy.passed ? ' No violations.' : '';
  const refused = policy.passed ? '' : ' An apply is refused until the release is changed (or an admin overrides it with a reason).';
  return { reply: `${verdict}.${warnings}${refused}`, actions: [releaseCard(release)] };
};
