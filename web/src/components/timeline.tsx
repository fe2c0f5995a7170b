import type { TimelineEvent } from '../api/client';
import { inWords } from '../api/release-states';
import { ChannelBadge } from './badges';
import { formatTime } from './time-format';

/** What an event's data says, in one line. */
function describeEvent(e: TimelineEvent): string {
  const d = e.data as Record<string, any>;
  switch (e.type) {
    case 'release.state_changed':
      return `${d.from} → ${d.to}`;
    case 'execution.stage_changed':
      return `${inWords(String(d.from))} → ${inWords(String(d.to))}`;
    case 'preview.created':
      return d.summary
        ? `${d.summary.create} create, ${d.summary.update} update, ${d.summary.delete} delete, ${d.summary.unchanged} unchanged`
        : '';
    case 'approval.requested':
      return `${d.minApprovers} approval(s) needed`;
    case 'approval.approved':
    case 'approval.rejected':
      return `${d.approver}${d.comment ? `: “${d.comment}”` : ''} (${d.approvals} of ${d.minApprovers})`;
    case 'apply.rejected':
    case 'approval.denied':
      return `${d.code}${d.reason ? ` (${d.reason})` : ''}: ${d.detail ?? ''}`;
    case 'execution.failed':
    case 'execution.succeeded':
    case 'execution.interrupted':
      return d.message ?? '';
    case 'diagnostics.recorded':
      return d.summary ?? '';
    case 'rollback.requested':
    case 'rollback.completed':
      return d.rollbackTo ? `to ${d.rollbackTo}` : '';
    case 'release.created':
    case 'release.updated':
      return `revision ${d.draftRevision}`;
    default:
      return '';
  }
}

/** The release's ordered, append-only timeline. */
export function Timeline({ events }: { events: TimelineEvent[] }) {
  if (events.length === 0) return <p className="muted">No events yet.</p>;
  return (
    <ol className="timeline" aria-label="Timeline">
      {events.map((e) => (
        <li key={e.id} className={`event event-${e.type.split('.')[0]}`} data-type={e.type}>
          <span className="event-seq">#{e.seq}</span>
          <span className="event-type">{e.type}</span>
          <span className="event-actor">{e.actor.type === 'system' ? 'Shipgate' : e.actor.id}</span>
          <ChannelBadge channel={e.channel} />
          <time dateTime={e.at}>{formatTime(e.at)}</time>
          <span className="event-detail">{describeEvent(e)}</span>
        </li>
      ))}
    </ol>
  );
}
