import type { ReleaseState, Runtime } from '../release/release.js';

export type Severity = 'error' | 'warning' | 'info';

/** One coded observation about what broke (or what to watch). */
export interface Finding {
  severity: Severity;
  code: string;
  resource: { kind: string; name: string };
  message: string;
  evidence: string;
}

/** Health of one resource or service. */
export interface ResourceHealth {
  kind: string;
  name: string;
  ready: boolean;
  status: string;
  message: string;
}

/** The last lines a resource logged. */
export interface LogExcerpt {
  resource: string;
  lines: string[];
}

/** What a runtime driver reports when asked to diagnose. */
export interface RuntimeDiagnosis {
  summary: string;
  findings: Finding[];
  resources: ResourceHealth[];
  logs: LogExcerpt[];
}

/** The diagnostics of a release as the API returns them. */
export interface Diagnostics extends RuntimeDiagnosis {
  releaseId: string;
  runtime: Runtime;
  state: ReleaseState;
  collectedAt: string;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Findings worst first, as people read them. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

/**
 * `IMAGE_PULL_FAILED`, worded alike for every runtime: the runtime could not get `image` for `owner` (`service web`,
 * `Deployment web`).
 */
export function imagePullFailed(resource: Finding['resource'], image: string, owner: string, evidence: string): Finding {
  const what = image ? `the image ${image} of ${owner}` : `an image of ${owner}`;
  return { severity: 'error', code: 'IMAGE_PULL_FAILED', resource, message: `${what} could not be pulled`, evidence };
}

/**
 * `STILL_RUNNING_PREVIOUS_IMAGE`, worded alike for every runtime: what runs is not the image the release asked for
 * (after a failed apply, the previous release's), with `note`, what the resource's own line says of it.
 * @example stillRunningPreviousImage({ kind: 'Service', name: 'web' }, 'nginx:1.25', 'nginx:nope', '').finding.message
 * // 'web still runs nginx:1.25 — the release asked for nginx:nope'
 */
export function stillRunningPreviousImage(
  resource: Finding['resource'],
  running: string,
  wanted: string,
  evidence: string,
): { finding: Finding; note: string } {
  return {
    finding: {
      severity: 'error',
      code: 'STILL_RUNNING_PREVIOUS_IMAGE',
      resource,
      message: `${resource.name} still runs ${running} — the release asked for ${wanted}`,
      evidence,
    },
    note: `runs the previous image ${running}, not ${wanted}`,
  };
}

/**
 * A diagnosis led by what the runtime itself said went wrong (the apply's classified finding): that finding first, the
 * summary opening with its message, then what runs now, worst first.
 * @example ledBy(diagnosis, { code: 'IMAGE_PULL_FAILED', … }).findings[0].code // 'IMAGE_PULL_FAILED'
 */
export function ledBy(diagnosis: RuntimeDiagnosis, lead: Finding | undefined): RuntimeDiagnosis {
  const findings = sortFindings(diagnosis.findings);
  if (!lead) return { ...diagnosis, findings };
  const same = (f: Finding) => f.code === lead.code && f.resource.kind === lead.resource.kind && f.resource.name === lead.resource.name;
  return { ...diagnosis, summary: `${lead.message}. ${diagnosis.summary}`, findings: [lead, ...findings.filter((f) => !same(f))] };
}
