import { ShipgateError } from '../errors.js';
import type { Execution, ExecutionStage, ReleaseRecord, ReleaseState } from './release.js';

/**
 * Every command that moves a release, with the states it may start from and the state it leads to.
 * Commands whose target depends on a policy (submit) name one command per outcome.
 */
export const TRANSITIONS = {
  edit: { from: ['draft', 'previewed', 'pending_approval', 'approved'], to: 'draft' },
  preview: { from: ['draft', 'previewed'], to: 'previewed' },
  submitForApproval: { from: ['previewed'], to: 'pending_approval' },
  submitWithoutApproval: { from: ['previewed'], to: 'approved' },
  approve: { from: ['pending_approval'], to: 'approved' },
  reject: { from: ['pending_approval'], to: 'rejected' },
  expireApproval: { from: ['pending_approval'], to: 'rejected' },
  apply: { from: ['approved'], to: 'applying' },
  applyWithoutApproval: { from: ['previewed', 'approved'], to: 'applying' },
  cancel: { from: ['draft', 'previewed', 'pending_approval', 'approved'], to: 'cancelled' },
  succeed: { from: ['applying'], to: 'succeeded' },
  fail: { from: ['applying'], to: 'failed' },
  interrupt: { from: ['applying'], to: 'interrupted' },
  markRolledBack: { from: ['succeeded', 'failed', 'interrupted'], to: 'rolled_back' },
} as const satisfies Record<string, { from: readonly ReleaseState[]; to: ReleaseState }>;

export type ReleaseCommand = keyof typeof TRANSITIONS;

/** The result of a legal transition: the state to compare-and-set from, and the state to set. */
export interface Transition {
  command: ReleaseCommand;
  from: ReleaseState;
  to: ReleaseState;
}

/** True when `command` is allowed from `state`. */
export function canTransition(state: ReleaseState, command: ReleaseCommand): boolean {
  return (TRANSITIONS[command].from as readonly ReleaseState[]).includes(state);
}

/**
 * Computes the transition of `command` from `state`, or throws `INVALID_STATE` naming the state.
 * @example transition('draft', 'preview') // { command: 'preview', from: 'draft', to: 'previewed' }
 */
export function transition(state: ReleaseState, command: ReleaseCommand): Transition {
  if (!canTransition(state, command)) {
    throw new ShipgateError('INVALID_STATE', `release is in state "${state}"; ${describe(command)} is not allowed`, {
      state,
    });
  }
  return { command, from: state, to: TRANSITIONS[command].to };
}

/** States in which a fresh preview of the same revision leaves the state (and the approval) as they are. */
export const REPREVIEW_STATES: readonly ReleaseState[] = ['pending_approval', 'approved'];

/** Rollback can be asked of a release that reached a final outcome at the runtime. */
export const ROLLBACK_SOURCE_STATES: readonly ReleaseState[] = ['succeeded', 'failed', 'interrupted'];

/**
 * A release a rollback may restore: one that ran to success (and may since have been rolled back itself). A
 * `rolled_back` release may also be one that failed or was interrupted: only its execution tells them apart.
 */
export function ranToSuccess(release: Pick<ReleaseRecord, 'state'> & { execution: Pick<Execution, 'stage'> }): boolean {
  if (release.state === 'succeeded') return true;
  // The stage a success ends in (`EXECUTION_OUTCOMES.succeed`; not imported: the web UI reads this module).
  return release.state === 'rolled_back' && release.execution.stage === ('completed' satisfies ExecutionStage);
}

/** Refuses a release that cannot be rolled back (`INVALID_STATE`). */
export function checkRollbackSource(source: Pick<ReleaseRecord, 'state'>): void {
  if (!ROLLBACK_SOURCE_STATES.includes(source.state)) {
    throw new ShipgateError(
      'INVALID_STATE',
      `release is in state "${source.state}"; only a succeeded, failed or interrupted release can be rolled back`,
      {
        state: source.state,
      },
    );
  }
}

/**
 * Refuses a rollback target that is not an earlier success of the same application in the same environment: a
 * rollback restores what ran there, never what ran elsewhere.
 */
export function checkRollbackTarget(
  source: Pick<ReleaseRecord, 'id' | 'application' | 'environment'>,
  target: Pick<ReleaseRecord, 'id' | 'application' | 'environment' | 'state' | 'execution'>,
): void {
  if (target.application !== source.application || target.environment !== source.environment) {
    throw new ShipgateError('VALIDATION_FAILED', 'the rollback target must be a release of the same application and environment', {
      errors: [{ path: '/toReleaseId', message: 'must be of the same application and environment' }],
    });
  }
  if (target.id === source.id || !ranToSuccess(target)) {
    throw new ShipgateError(
      'INVALID_STATE',
      `the rollback target is in state "${target.state}"; it must be an earlier release that succeeded`,
      {
        state: target.state,
      },
    );
  }
}

function describe(command: ReleaseCommand): string {
  switch (command) {
    case 'submitForApproval':
    case 'submitWithoutApproval':
      return 'submit';
    case 'applyWithoutApproval':
      return 'apply';
    case 'expireApproval':
      return 'approval expiry';
    case 'markRolledBack':
      return 'rollback';
    default:
      return command;
  }
}
