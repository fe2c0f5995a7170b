import type { Release } from '../api/client';
import { approvalsGiven } from '../api/release-facts';
import { inWords } from '../api/release-states';

type StepStatus = 'done' | 'current' | 'waiting' | 'upcoming' | 'failed' | 'skipped' | 'cancelled';

export interface Step {
  key: 'draft' | 'preview' | 'approval' | 'apply' | 'observe';
  label: string;
  status: StepStatus;
  note: string;
}

const LABELS: Record<Step['key'], string> = {
  draft: 'Draft',
  preview: 'Preview',
  approval: 'Submit for approval',
  apply: 'Confirm apply',
  observe: 'Observe',
};

/** What the person looking at the release may do on its environment. */
export interface StepRights {
  /** Preview, submit and apply (the deployer role). */
  deploy: boolean;
  /** Decide on its approval (the approver role, and not the one who drafted it). */
  approve: boolean;
}

/**
 * The lifecycle stepper's state for a release: draft → preview → submit approval → confirm apply → observe.
 * `current` is the step the person looking acts on next, shown only when they may take it; `waiting` is one others
 * must act on (a deployer, the approvers, the runtime).
 */
export function lifecycleSteps(
  release: Pick<Release, 'state' | 'approval' | 'execution'>,
  approvalRequired: boolean,
  rights: StepRights,
): Step[] {
  const keys: Step['key'][] = ['draft', 'preview', 'approval', 'apply', 'observe'];
  const at = (status: Partial<Record<Step['key'], [StepStatus, string?]>>): Step[] =>
    keys.map((key) => {
      const [s, note] = status[key] ?? ['upcoming'];
      const skipped = key === 'approval' && !approvalRequired && s !== 'failed';
      return { key, label: LABELS[key], status: skipped ? 'skipped' : s, note: skipped ? 'not required' : (note ?? '') };
    });
  const approvals = `${approvalsGiven(release.approval)} of ${release.approval.minApprovers} approvals`;
  const deployerStep = (yours: string, theirs: string): [StepStatus, string] => (rights.deploy ? ['current', yours] : ['waiting', theirs]);
  switch (release.state) {
    case 'draft':
      return at({ draft: ['done'], preview: deployerStep('preview the changes', 'a deployer previews it') });
    case 'previewed':
      return approvalRequired
        ? at({ draft: ['done'], preview: ['done'], approval: deployerStep('submit with the preview', 'a deployer submits it') })
        : at({ draft: ['done'], preview: ['done'], apply: deployerStep('apply with the preview', 'a deployer applies it') });
    case 'pending_approval':
      return at({
        draft: ['done'],
        preview: ['done'],
        approval: rights.approve ? ['current', `your decision, in Approvals (${approvals})`] : ['waiting', approvals],
      });
    case 'approved':
      return at({
        draft: ['done'],
        preview: ['done'],
        approval: ['done', approvals],
        apply: deployerStep('apply with the preview', 'a deployer applies it'),
      });
    case 'rejected':
      return at({
        draft: ['done'],
        preview: ['done'],
        approval: ['failed', release.approval.status === 'expired' ? 'approval expired' : 'rejected'],
      });
    case 'applying':
      return at({
        draft: ['done'],
        preview: ['done'],
        approval: ['done'],
        apply: ['done'],
        observe: ['waiting', inWords(release.execution.stage)],
      });
    case 'succeeded':
      return at({ draft: ['done'], preview: ['done'], approval: ['done'], apply: ['done'], observe: ['done', 'succeeded'] });
    case 'rolled_back':
      return at({ draft: ['done'], preview: ['done'], approval: ['done'], apply: ['done'], observe: ['done', 'rolled back'] });
    case 'failed':
    case 'interrupted':
      return at({ draft: ['done'], preview: ['done'], approval: ['done'], apply: ['done'], observe: ['failed', release.state] });
    case 'cancelled':
      return at({ draft: ['done'], preview: ['cancelled', 'cancelled'] });
    default:
      // Exhaustive over the API's states; a state from a newer server still gets a stepper.
      release.state satisfies never;
      return at({});
  }
}
