import { useEffect, useState } from 'react';
import type { Release, TimelineEvent } from '../../api/client';
import { useDiagnostics } from '../../api/queries';
import { DIAGNOSABLE_STATES, UNSUCCESSFUL_STATES } from '../../api/release-states';
import { DiagnosticsView } from '../../components/diagnostics-view';
import { Loading } from '../../components/loading';
import { ProblemNotice } from '../../components/problem-notice';
import { Timeline } from '../../components/timeline';

/** The release's timeline and diagnostics as tabs; a release that did not succeed opens on its diagnostics. */
export function ReleaseTabs({ release, events }: { release: Release; events: TimelineEvent[] }) {
  const [tab, setTab] = useState<'timeline' | 'diagnostics'>('timeline');
  useEffect(() => {
    if (UNSUCCESSFUL_STATES.includes(release.state)) setTab('diagnostics');
  }, [release.state]);
  return (
    <>
      <div className="tabs" role="tablist" aria-label="Release details">
        <button
          type="button"
          role="tab"
          id="tab-timeline"
          aria-controls="panel-timeline"
          aria-selected={tab === 'timeline'}
          onClick={() => setTab('timeline')}
        >
          Timeline
        </button>
        <button
          type="button"
          role="tab"
          id="tab-diagnostics"
          aria-controls="panel-diagnostics"
          aria-selected={tab === 'diagnostics'}
          onClick={() => setTab('diagnostics')}
        >
          Diagnostics
        </button>
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabpanel">
        {tab === 'timeline' ? <Timeline events={events} /> : <DiagnosticsTab release={release} />}
      </div>
    </>
  );
}

function DiagnosticsTab({ release }: { release: Release }) {
  const diagnostics = useDiagnostics(release);
  if (!DIAGNOSABLE_STATES.includes(release.state)) return <p className="muted">Diagnostics appear once the release has been applied.</p>;
  if (diagnostics.isLoading) return <Loading what="diagnostics" />;
  if (diagnostics.error) return <ProblemNotice error={diagnostics.error} />;
  return diagnostics.data ? <DiagnosticsView diagnostics={diagnostics.data} /> : null;
}
