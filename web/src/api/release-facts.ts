import { approvalsGiven as countApprovals } from '../../../src/core/approval/approval';
import type { Approval, Release } from './client';

/** How many approvers approved so far (the core's count). */
export function approvalsGiven(approval: Pick<Approval, 'decisions'>): number {
  return countApprovals(approval.decisions);
}

/** The parameters of a release as `NAME=value` pairs, space-separated. */
export function parameterText(release: Pick<Release, 'parameters'>): string {
  return Object.entries(release.parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
