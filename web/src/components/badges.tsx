const STATE_TONE: Record<string, string> = {
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
export function StateBadge({ state }: { state: string }) {
  return <span className={`badge badge-${STATE_TONE[state] ?? 'neutral'}`} data-state={state}>{state.replaceAll('_', ' ')}</span>;
}

const CHANNEL_LABEL: Record<string, string> = { ui: 'Web', api: 'API', cli: 'CLI', ai: 'AI' };

export function ChannelBadge({ channel }: { channel: string }) {
  return <span className={`badge badge-channel badge-channel-${channel}`}>{CHANNEL_LABEL[channel] ?? channel}</span>;
}

const SEVERITY_TONE: Record<string, string> = { error: 'danger', warning: 'warning', info: 'info' };

export function SeverityBadge({ severity }: { severity: string }) {
  return <span className={`badge badge-${SEVERITY_TONE[severity] ?? 'neutral'}`}>{severity}</span>;
}
