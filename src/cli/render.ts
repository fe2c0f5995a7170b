import type { Diagnostics, Preview, Release, TimelineEvent } from './api-types.js';
import type { Output } from './output.js';

/** "2 to create, 1 to update, 0 to delete, 3 unchanged". */
export function summaryText(summary: Preview['summary']): string {
  return `${summary.create} to create, ${summary.update} to update, ${summary.delete} to delete, ${summary.unchanged} unchanged`;
}

/** A preview for people: the summary, each change with its diff coloured, and the runtime policy's verdict. */
export function printPreview(out: Output, preview: Preview): void {
  const c = out.colors;
  out.line(`preview: ${summaryText(preview.summary)} (expires ${preview.expiresAt})`);
  for (const change of preview.changes) {
    if (change.action === 'unchanged') continue;
    const mark = change.action === 'create' ? c.green('+') : change.action === 'delete' ? c.red('-') : c.yellow('~');
    const lines = change.diff
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => (l.startsWith('+') ? c.green(l) : l.startsWith('-') ? c.red(l) : c.dim(l)))
      .map((l) => `    ${l}`);
    out.block([`  ${mark} ${change.kind}/${change.name} (${change.action})`, ...lines].join('\n'));
  }
  for (const v of preview.policy.violations) {
    const tag = v.severity === 'deny' ? c.red('deny') : c.yellow('warn');
    out.line(`policy ${tag} ${v.ruleId} on ${v.resource.kind}/${v.resource.name}${v.path ? ` at ${v.path}` : ''}: ${v.message}`);
  }
  if (preview.policy.violations.length === 0) out.line('policy: passed');
}

/** A diagnosis for people: the summary, findings worst first with their evidence, and the last log lines. */
export function printDiagnostics(out: Output, diagnostics: Diagnostics): void {
  const c = out.colors;
  out.line(`diagnosis: ${diagnostics.summary}`);
  for (const f of diagnostics.findings) {
    const severity = f.severity === 'error' ? c.red(f.severity) : f.severity === 'warning' ? c.yellow(f.severity) : f.severity;
    const evidence = f.evidence ? `\n      ${f.evidence.split('\n').join('\n      ')}` : '';
    out.block(`  ${severity} ${c.bold(f.code)} ${f.resource.kind}/${f.resource.name}: ${f.message}${evidence}`);
  }
  for (const log of diagnostics.logs) {
    if (log.lines.length === 0) continue;
    out.block([`  logs of ${log.resource}:`, ...log.lines.slice(-20).map((l) => `    ${c.dim(l)}`)].join('\n'));
  }
}

/** One line per timeline event worth a person's attention while following a release. */
export function eventLine(event: TimelineEvent): string | null {
  const d = event.data as Record<string, unknown>;
  switch (event.type) {
    case 'execution.stage_changed':
      return `stage ${String(d['from'])} → ${String(d['to'])}${d['message'] ? `: ${String(d['message'])}` : ''}`;
    case 'approval.decision_recorded':
    case 'approval.approved':
    case 'approval.rejected':
    case 'approval.expired':
      return `${event.type} by ${event.actor.id}${d['comment'] ? `: ${String(d['comment'])}` : ''}`;
    case 'verification.started':
      return `verifying for ${String(d['windowSeconds'])}s`;
    case 'verification.passed':
    case 'verification.failed':
      return `${event.type}: ${String(d['message'] ?? '')}`;
    case 'execution.succeeded':
    case 'execution.failed':
    case 'execution.interrupted':
      return `${event.type}: ${String(d['message'] ?? '')}`;
    case 'rollback.requested':
      return d['automatic'] ? 'an automatic rollback was requested' : null;
    default:
      return null;
  }
}

/** A release in one line. */
export function releaseLine(r: Release): string {
  return `${r.id}  ${r.application} → ${r.environment}  ${r.state}  (${r.execution.stage}, approval ${r.approval.status})  ${r.createdAt}`;
}
