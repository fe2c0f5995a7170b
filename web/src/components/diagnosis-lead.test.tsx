import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import type { Release } from '../api/client';
import { DiagnosisLead, DiagnosisLeadView } from './diagnosis-lead';

// The page's query, answered here: the headline reads the same diagnostics as the tab.
vi.mock('../api/queries', () => ({
  useDiagnostics: () => ({ data: { findings: [finding('ROLLOUT_TIMEOUT', 'error', 'the rollout did not finish within the time limit')] } }),
}));

function finding(code: string, severity: 'error' | 'warning' | 'info', message: string, evidence = '') {
  return { severity, code, resource: { kind: 'Service', name: 'web' }, message, evidence };
}

describe('the diagnosis headline of a release that did not succeed', () => {
  it('shows the first error finding with its code, resource and evidence', () => {
    const html = renderToStaticMarkup(
      <DiagnosisLeadView
        diagnostics={{
          findings: [
            finding('RESTARTED', 'warning', 'restarted twice'),
            finding('IMAGE_PULL_FAILED', 'error', 'the image nginx:nope of service web could not be pulled', 'manifest unknown'),
            finding('STILL_RUNNING_PREVIOUS_IMAGE', 'error', 'web still runs nginx:1.25'),
          ],
        }}
      />,
    );
    expect(html).toContain('data-code="IMAGE_PULL_FAILED"');
    expect(html).toContain('<h2 id="diagnosis-lead-title">The image nginx:nope of service web could not be pulled</h2>');
    expect(html).toContain('<code>IMAGE_PULL_FAILED</code>');
    expect(html).toContain('Service/web');
    expect(html).toContain('<pre class="evidence">manifest unknown</pre>');
    expect(html).not.toContain('STILL_RUNNING_PREVIOUS_IMAGE');
  });

  it('leads the page of a failed or interrupted release only', () => {
    const release = (state: Release['state']) => ({ id: 'r1', state, execution: { message: 'apply failed' } }) as Release;
    expect(renderToStaticMarkup(<DiagnosisLead release={release('failed')} />)).toContain('data-code="ROLLOUT_TIMEOUT"');
    expect(renderToStaticMarkup(<DiagnosisLead release={release('interrupted')} />)).toContain('The rollout did not finish');
    expect(renderToStaticMarkup(<DiagnosisLead release={release('succeeded')} />)).toBe('');
  });

  it("shows the execution's message without an error finding, and nothing without either", () => {
    const warningOnly = { findings: [finding('RESTARTED', 'warning', 'x')] };
    expect(renderToStaticMarkup(<DiagnosisLeadView diagnostics={warningOnly} />)).toBe('');
    const html = renderToStaticMarkup(
      <DiagnosisLeadView diagnostics={warningOnly} fallback="the process driving this release stopped before it finished" />,
    );
    expect(html).toContain('<h2 id="diagnosis-lead-title">The process driving this release stopped before it finished</h2>');
    expect(html).not.toContain('<code>');
  });
});
