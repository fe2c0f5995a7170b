import type { Approval, Release } from './client';

/** How many approvers approved so far. */
export function approvalsGiven(approval: Pick<Approval, 'decisions'>): number {
  return approval.decisions.filter((d) => d.decision === 'approve').length;
}

/** The parameters of a release as `NAME=value` pairs, space-separated. */
export function parameterText(release: Pick<Release, 'parameters'>): string {
  return Object.entries(release.parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
