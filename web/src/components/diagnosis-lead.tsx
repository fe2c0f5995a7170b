import type { Diagnostics, Release } from '../api/client';
import { useDiagnostics } from '../api/queries';
import { UNSUCCESSFUL_STATES } from '../api/release-states';

/**
 * A failed or interrupted release's one failure banner, in the diagnostics' own words: its first error finding (the
 * runtime's own explanation when it gave one: an image that cannot be pulled, a refused spec, a rollout past its
 * deadline), which is also the first finding of the diagnostics tab, with code, resource and evidence. Without a
 * finding (no diagnostics could be collected), the execution's last message.
 */
export function DiagnosisLead({ release }: { release: Release }) {
  // The same query as the diagnostics tab: asked once for both.
  const diagnostics = useDiagnostics(release);
  if (!UNSUCCESSFUL_STATES.includes(release.state) || diagnostics.isLoading) return null;
  return <DiagnosisLeadView diagnostics={diagnostics.data ?? { findings: [] }} fallback={release.execution.message} />;
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The first error finding as a headline; without one, `fallback` (the execution's message), or nothing. */
export function DiagnosisLeadView({ diagnostics, fallback }: { diagnostics: Pick<Diagnostics, 'findings'>; fallback?: string | null }) {
  const lead = diagnostics.findings.find((f) => f.severity === 'error');
  if (!lead && !fallback) return null;
  return (
    <section className="notice notice-error diagnosis-lead" aria-labelledby="diagnosis-lead-title" data-code={lead?.code}>
      <h2 id="diagnosis-lead-title">{capitalized(lead ? lead.message : fallback!)}</h2>
      {lead && (
        <p>
          <code>{lead.code}</code> on{' '}
          <strong>
            {lead.resource.kind}/{lead.resource.name}
          </strong>
        </p>
      )}
      {lead?.evidence && <pre className="evidence">{lead.evidence}</pre>}
    </section>
  );
}
