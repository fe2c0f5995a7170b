import { listApprovals } from './approvals.handler.js';
import { cancelRelease } from './cancel.handler.js';
import { draftRelease } from './draft.handler.js';
import { checkHealth, showPolicy } from './health.handler.js';
import type { IntentHandlers } from './intent-handler.js';
import { showDrift, showEnvironment } from './overview.handler.js';
import { previewRelease, submitRelease } from './preview-submit.handler.js';
import { proposeApply, proposeRollback } from './proposals.handler.js';
import { explainFailure } from './investigation.handler.js';
import { showStatus, showTimeline } from './status.handler.js';

/** The handler of every action of the set, by action name. */
export const INTENT_HANDLERS: IntentHandlers = {
  draft_release: draftRelease,
  preview_release: previewRelease,
  submit_release: submitRelease,
  propose_apply: proposeApply,
  show_status: showStatus,
  show_timeline: showTimeline,
  explain_failure: explainFailure,
  propose_rollback: proposeRollback,
  list_approvals: listApprovals,
  cancel_release: cancelRelease,
  show_environment: showEnvironment,
  check_health: checkHealth,
  show_drift: showDrift,
  show_policy: showPolicy,
};
