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
