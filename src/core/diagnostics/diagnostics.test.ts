import { describe, expect, it } from 'vitest';
import { ledBy, type Finding, type RuntimeDiagnosis } from './diagnostics.js';

const finding = (code: string, severity: Finding['severity'] = 'error', name = 'web'): Finding => ({
  severity,
  code,
  resource: { kind: 'Service', name },
  message: `${code} message`,
  evidence: '',
});

const diagnosis: RuntimeDiagnosis = {
  summary: '1 problem: web: web still runs app:1 — the release asked for app:2',
  findings: [finding('RESTARTED', 'warning'), finding('STILL_RUNNING_PREVIOUS_IMAGE')],
  resources: [],
  logs: [],
};

describe('ledBy', () => {
  it('puts the apply finding first and opens the summary with it', () => {
    const led = ledBy(diagnosis, finding('IMAGE_PULL_FAILED'));
    expect(led.findings.map((f) => f.code)).toEqual(['IMAGE_PULL_FAILED', 'STILL_RUNNING_PREVIOUS_IMAGE', 'RESTARTED']);
    expect(led.summary).toBe(`IMAGE_PULL_FAILED message. ${diagnosis.summary}`);
  });

  it('keeps the lead once when the runtime reports the same finding', () => {
    const led = ledBy({ ...diagnosis, findings: [finding('ROLLOUT_TIMEOUT')] }, { ...finding('ROLLOUT_TIMEOUT'), evidence: 'deadline' });
    expect(led.findings).toEqual([{ ...finding('ROLLOUT_TIMEOUT'), evidence: 'deadline' }]);
  });

  it('without a lead only sorts, worst first', () => {
    const led = ledBy(diagnosis, undefined);
    expect(led.summary).toBe(diagnosis.summary);
    expect(led.findings.map((f) => f.code)).toEqual(['STILL_RUNNING_PREVIOUS_IMAGE', 'RESTARTED']);
  });
});
