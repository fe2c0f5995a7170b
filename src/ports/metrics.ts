import type { ReleaseState, Runtime } from '../core/release/release.js';

/** How an apply ended, as the apply-duration metric labels it. */
export type ApplyOutcomeLabel = Extract<ReleaseState, 'succeeded' | 'failed' | 'interrupted'>;

/** How a webhook attempt went: delivered (2xx), failed and to be tried again, or failed past the retry horizon. */
export type WebhookAttemptOutcome = 'delivered' | 'retrying' | 'failed';

/**
 * What the use cases tell the operator's metrics as it happens (counts of what is stored are read at scrape time).
 * Each call is made once the fact is committed, and must not throw.
 */
export interface Metrics {
  /** An apply ended (its outcome written): how long it ran, on which runtime, and how it ended. */
  applyFinished(fact: { runtime: Runtime; outcome: ApplyOutcomeLabel; seconds: number }): void;
  /** An approval ticket was decided: how long it waited from the submit to the deciding approval or rejection. */
  approvalDecided(fact: { outcome: 'approved' | 'rejected'; seconds: number }): void;
  /** A webhook delivery attempt was recorded. */
  webhookAttempted(fact: { outcome: WebhookAttemptOutcome }): void;
}

/** Metrics that go nowhere: the default when none are wired. */
export const NO_METRICS: Metrics = {
  applyFinished: () => undefined,
  approvalDecided: () => undefined,
  webhookAttempted: () => undefined,
};
