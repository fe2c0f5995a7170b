import type { TimelineEvent } from '../api/client';
import { ChannelBadge } from './badges';
import { formatTime } from './time-format';
import { describeEvent } from './timeline-words';

/** The release's ordered, append-only timeline, each event in words and numbered within the release. */
export function Timeline({ events }: { events: TimelineEvent[] }) {
  if (events.length === 0) return <p className="muted">No events yet.</p>;
  return (
    <ol className="timeline" aria-label="Timeline">
      {events.map((e, i) => (
        <TimelineEntry key={e.id} event={e} number={i + 1} />
      ))}
    </ol>
  );
}

/** One event: its sentence, where and when, and the raw facts behind a disclosure. */
function TimelineEntry({ event: e, number }: { event: TimelineEvent; number: number }) {
  return (
    <li className={`event event-${e.type.split('.')[0]}`} data-type={e.type}>
      <span className="event-number">{number}</span>
      <div className="event-body">
        <p className="event-sentence">{describeEvent(e)}</p>
        <p className="event-meta">
          <ChannelBadge channel={e.channel} />
          <time dateTime={e.at}>{formatTime(e.at)}</time>
        </p>
        <details className="event-facts">
          <summary>
            Details<span className="visually-hidden"> of event {number}</span>
          </summary>
          <dl>
            <dt>Type</dt>
            <dd>
              <code>{e.type}</code>
            </dd>
            <dt>Actor</dt>
            <dd>
              {e.actor.type} <code>{e.actor.id}</code>
            </dd>
            <dt>Sequence (all releases)</dt>
            <dd>{e.seq}</dd>
            <dt>Event id</dt>
            <dd>
              <code>{e.id}</code>
            </dd>
            <dt>Recorded at</dt>
            <dd>
              <code>{e.at}</code>
            </dd>
            <dt>Data</dt>
            <dd>
              <pre className="event-data">{JSON.stringify(e.data, null, 2)}</pre>
            </dd>
          </dl>
        </details>
      </div>
    </li>
  );
}
