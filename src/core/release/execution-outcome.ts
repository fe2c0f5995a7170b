import type { TimelineEventType } from '../audit/timeline-event.js';
import type { ExecutionStage } from './release.js';

/** How an execution ends: the workload is healthy, it is not, or Shipgate could not drive it. */
export type ExecutionOutcome = 'succeed' | 'fail' | 'interrupt';

/**
 * What each outcome makes of a release: its command in the transition table (the outcome's name), its final
 * execution stage and the timeline event that records it.
 */
export const EXECUTION_OUTCOMES = {
  succeed: { stage: 'completed', event: 'execution.succeeded' },
  fail: { stage: 'failed', event: 'execution.failed' },
  interrupt: { stage: 'interrupted', event: 'execution.interrupted' },
} as const satisfies Record<ExecutionOutcome, { stage: ExecutionStage; event: TimelineEventType }>;
