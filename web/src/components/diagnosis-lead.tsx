import type { Diagnostics, Release } from '../api/client';
import { useDiagnostics } from '../api/queries';
import { UNSUCCESSFUL_STATES } from '../api/release-states';

/**
 * A failed or interrupted release's headline: its first error finding (the runtime's own explanation when it gave
 * one: an image that cannot be pulled, a refused spec, a rollout past its deadline), with code, resource and evidence.
 */
export function DiagnosisLead({ release }: { release: Release }) {
  // The same query as the diagnostics tab: asked once for both.
  const diagnostics = useDiagnostics(release);
  if (!UNSUCCESSFUL_STATES.includes(release.state) || !diagnostics.data) return null;
  return <DiagnosisLeadView diagnostics={diagnostics.data} />;
}

/** The first error finding as a headline, or nothing when there is none. */
export function DiagnosisLeadView({ diagnostics }: { diagnostics: Pick<Diagnostics, 'findings'> }) {
  const lead = diagnostics.findings.find((f) => f.severity === 'error');
  if (!lead) return null;
  return (
    <section className="notice notice-error diagnosis-lead" aria-labelledby="diagnosis-lead-title" data-code={lead.code}>
      <h2 id="diagnosis-lead-title">{lead.message.charAt(0).toUpperCase() + lead.message.slice(1)}</h2>
      <p>
        <code>{lead.code}</code> on{' '}
        <strong>
          {lead.resource.kind}/{lead.resource.name}
        </strong>
      </p>
      {lead.evidence && <pre className="evidence">{lead.evidence}</pre>}
    </section>
  );
}
