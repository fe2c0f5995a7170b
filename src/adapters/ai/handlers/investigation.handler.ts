import { can } from '../../../core/access/access.js';
import type { Diagnostics, Finding } from '../../../core/diagnostics/diagnostics.js';
import type { ChangeSummary } from '../../../core/preview/preview.js';
import type { Release } from '../../../core/release/release.js';
import { changesCard, diagnosticsCard, heldCard, nextStepsCard, type ParameterChange } from '../cards.js';
import { short, words } from '../reply-words.js';
import { ask, type IntentHandler, type TurnScope } from './intent-handler.js';
import { hold } from './release-steps.js';
import { resolveRelease } from './release-subject.js';

/** How many error findings, log sources and lines per source an investigation tells. */
const FINDINGS_TOLD = 3;
const LOG_SOURCES = 2;
const LINES_PER_SOURCE = 5;

/** A finding in plain words: its message, then its code and where. */
function told(f: Finding): string {
  return `${f.message.charAt(0).toUpperCase()}${f.message.slice(1)} (${f.code} on ${f.resource.kind}/${f.resource.name})`;
}

/**
 * The log lines that matter: those of the resources the error findings name first, then the others; the last few
 * lines of each (the diagnostics masked them already).
 */
export function relevantLogs(diagnostics: Pick<Diagnostics, 'findings' | 'logs'>): Array<{ resource: string; lines: string[] }> {
  const named = new Set(diagnostics.findings.filter((f) => f.severity === 'error').map((f) => f.resource.name));
  const ranked = [...diagnostics.logs].sort((a, b) => Number(named.has(b.resource)) - Number(named.has(a.resource)));
  return ranked
    .filter((l) => l.lines.length > 0)
    .slice(0, LOG_SOURCES)
    .map((l) => ({ resource: l.resource, lines: l.lines.slice(-LINES_PER_SOURCE) }));
}

/** The parameters that differ between two releases, as their (masked) views show them. */
export function parameterChanges(from: Release, to: Release): ParameterChange[] {
  const names = [...new Set([...Object.keys(from.parameters), ...Object.keys(to.parameters)])].sort();
  return names
    .filter((n) => from.parameters[n] !== to.parameters[n])
    .map((name) => ({ name, from: from.parameters[name] ?? null, to: to.parameters[name] ?? null }));
}

/** The last succeeded release of the application in the environment made before `release`: what ran well last. */
async function lastGoodBefore({ shipgate, caller }: TurnScope, release: Release): Promise<Release | null> {
  const { items } = await shipgate.releases.list(caller, {
    application: release.application,
    environment: release.environment,
    state: 'succeeded',
    limit: 50,
  });
  return items.find((r) => r.createdAt < release.createdAt && r.id !== release.id) ?? null;
}

/** What changed since the last good release, in words. */
function changedWords(lastGood: Release, release: Release, changes: readonly ParameterChange[]): string {
  const since = `Since the last good release, ${short(lastGood.id)}`;
  if (changes.length > 0) {
    const shown = changes.map((c) => `${c.name} ${c.from ?? '(unset)'} → ${c.to ?? '(unset)'}`).join(', ');
    return `${since}: ${shown}.`;
  }
  return lastGood.draftDigest === release.draftDigest
    ? `${since}, nothing in the release changed: what failed is around it (the runtime, its images or its dependencies).`
    : `${since}, its parameters are the same but its spec changed.`;
}

/**
 * Investigates why a release failed (preferring a failed or interrupted release of those named): the error findings
 * in plain words, the log lines that matter (masked), what its preview changed against what ran (from its timeline),
 * what changed since the last good release, and the next safe steps as proposals to confirm. Every fact comes from the
 * use cases the release page reads, with the caller's permissions.
 */
export const explainFailure: IntentHandler<'explain_failure'> = async (scope, args) => {
  const resolved = await resolveRelease(scope, args, ['failed', 'interrupted']);
  if ('ask' in resolved) return ask(resolved.ask);
  const release = resolved.release;
  const diagnostics = await scope.shipgate.releases.diagnostics(scope.caller, release.id);
  const named = `${release.application} in ${release.environment}`;
  if (release.state !== 'failed' && release.state !== 'interrupted') {
    return {
      reply: `${named} has not failed (release ${short(release.id)} is ${words(release.state)}). ${diagnostics.summary}.`,
      actions: [diagnosticsCard(diagnostics)],
    };
  }
  const errors = diagnostics.findings.filter((f) => f.severity === 'error').slice(0, FINDINGS_TOLD);
  const [lead, ...others] = errors;
  const opening = lead
    ? `${told(lead)}. ${named} ${release.state} (release ${short(release.id)}).`
    : `${named} ${release.state} (release ${short(release.id)}): ${diagnostics.summary}.`;
  const also = others.length > 0 ? ` Also: ${others.map(told).join('; ')}.` : '';
  const logs = relevantLogs(diagnostics);
  const logWords = logs.length > 0 ? ` Last log line of ${logs[0]!.resource}: “${logs[0]!.lines.at(-1)}”.` : '';
  // From its timeline: what its preview found it would change against what ran then.
  const timeline = await scope.shipgate.releases.timeline(scope.caller, release.id, { limit: 500 });
  const previewed = timeline.items.filter((e) => e.type === 'preview.created').at(-1);
  const summary = previewed?.data['summary'] as ChangeSummary | undefined;
  const previewWords = summary
    ? ` Against what ran, its preview changed ${summary.create + summary.update + summary.delete} resource(s) ` +
      `(${summary.create} to create, ${summary.update} to update, ${summary.delete} to delete).`
    : '';
  const lastGood = await lastGoodBefore(scope, release);
  const changes = lastGood ? parameterChanges(lastGood, release) : [];
  const changed = lastGood ? ` ${changedWords(lastGood, release, changes)}` : ' There is no earlier good release here to compare with.';
  // The next safe steps, as proposals the operator confirms (only for who may deploy there): back to the last good
  // release, or — when nothing in the release changed, so what failed is around it — the same release drafted and
  // previewed again. Confirming either drafts and previews; an apply still waits for its own confirmation.
  const mayWrite = can(scope.caller.principal, 'deployment:write', release.environment);
  const target = { application: release.application, environment: release.environment };
  const proposals = [];
  // Pinned to this release: the rollback goes back from it to the last good release before it, whatever runs later.
  if (mayWrite && lastGood) {
    proposals.push(hold(scope, { action: 'propose_rollback', args: { releaseId: release.id } }, `Roll back to ${short(lastGood.id)}`));
  }
  if (mayWrite && (!lastGood || changes.length === 0)) {
    proposals.push(hold(scope, { action: 'draft_release', args: { ...target, parameters: {} } }, 'Draft it again and preview'));
  }
  const next =
    proposals.length > 0
      ? ` Next safe step: ${proposals.map((p) => p.label.toLowerCase()).join(', or ')} (confirm below; it is drafted and ` +
        'previewed first, and nothing runs until you confirm its apply).'
      : lastGood
        ? ` A deployer of ${release.environment} can roll it back to ${short(lastGood.id)}.`
        : '';
  return {
    reply: `${opening}${also}${logWords}${previewWords}${changed}${next}`,
    actions: [
      diagnosticsCard(diagnostics, logs),
      ...(lastGood ? [changesCard(release.id, lastGood.id, changes)] : []),
      ...proposals.map(heldCard),
      nextStepsCard([{ label: 'Show the timeline', message: `show the timeline of ${release.id}` }]),
    ],
  };
};
