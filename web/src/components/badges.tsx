import type { ChangeAction, Channel, DeliveryStatus, DriftStatus, FindingSeverity, ReleaseState } from '../api/client';
import { inWords } from '../api/release-states';

type Tone = 'neutral' | 'info' | 'warning' | 'danger' | 'progress' | 'success';

const STATE_TONE: Record<ReleaseState, Tone> = {
  draft: 'neutral',
  previewed: 'info',
  pending_approval: 'warning',
  approved: 'info',
  rejected: 'danger',
  applying: 'progress',
  succeeded: 'success',
  failed: 'danger',
  interrupted: 'danger',
  cancelled: 'neutral',
  rolled_back: 'neutral',
};

/** A release state as a coloured badge with words (never colour alone). */
export function StateBadge({ state }: { state: ReleaseState }) {
  return (
    <span className={`badge badge-${STATE_TONE[state] ?? 'neutral'}`} data-state={state}>
      {inWords(state)}
    </span>
  );
}

const CHANNEL_LABEL: Record<Channel, string> = { ui: 'Web', api: 'API', cli: 'CLI', ai: 'AI' };

/** Where an action came from: the web, the API, the CLI or the command center. */
export function ChannelBadge({ channel }: { channel: Channel }) {
  return <span className={`badge badge-channel badge-channel-${channel}`}>{CHANNEL_LABEL[channel] ?? channel}</span>;
}

const SEVERITY_TONE: Record<FindingSeverity, Tone> = { error: 'danger', warning: 'warning', info: 'info' };

/** A diagnostics finding's severity. */
export function SeverityBadge({ severity }: { severity: FindingSeverity }) {
  return <span className={`badge badge-${SEVERITY_TONE[severity] ?? 'neutral'}`}>{severity}</span>;
}

/** What a change does to a resource: create, update, delete or unchanged. */
export function ChangeActionBadge({ action }: { action: ChangeAction }) {
  return <span className={`badge badge-action-${action}`}>{action}</span>;
}

const DRIFT: Record<DriftStatus, { tone: Tone; words: string }> = {
  in_sync: { tone: 'success', words: 'in sync' },
  drifted: { tone: 'warning', words: 'drifted' },
  missing: { tone: 'danger', words: 'missing' },
  unknown: { tone: 'neutral', words: 'unknown' },
};

/** How what runs compares with the application's last succeeded release. */
export function DriftBadge({ status }: { status: DriftStatus }) {
  return (
    <span className={`badge badge-${DRIFT[status].tone}`} data-drift={status}>
      {DRIFT[status].words}
    </span>
  );
}

const DELIVERY_TONE: Record<DeliveryStatus, Tone> = { pending: 'progress', delivered: 'success', failed: 'danger' };

/** Where a webhook delivery stands: pending (to be tried again), delivered, or failed for good. */
export function DeliveryBadge({ status }: { status: DeliveryStatus }) {
  return (
    <span className={`badge badge-${DELIVERY_TONE[status]}`} data-delivery-status={status}>
      {status}
    </span>
  );
}
