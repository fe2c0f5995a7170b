import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { PolicyView } from './policy-view';
import { adviceFor } from './problem-advice';

const violation = {
  ruleId: 'engine-socket',
  severity: 'deny' as const,
  message: 'mounts /var/run/docker.sock',
  resource: { kind: 'Service', name: 'web' },
  path: '/volumes/0',
};

describe('the runtime policy in the UI', () => {
  it('tells a passed preview, and lists each violation with its rule, resource and path', () => {
    expect(renderToStaticMarkup(<PolicyView policy={{ passed: true, violations: [] }} />)).toContain('policy passed');
    const html = renderToStaticMarkup(<PolicyView policy={{ passed: false, violations: [violation] }} />);
    expect(html).toContain('policy denies this release');
    expect(html).toContain('engine-socket');
    expect(html).toContain('Service/web');
    expect(html).toContain('/volumes/0');
    expect(renderToStaticMarkup(<PolicyView policy={undefined} />)).toBe('');
  });

  it('explains POLICY_DENIED in plain words and offers the admin override', () => {
    const advice = adviceFor({ type: 't', title: 'x', status: 422, detail: 'd', code: 'POLICY_DENIED', violations: [violation] });
    expect(advice.message).toContain('Service/web: mounts /var/run/docker.sock');
    expect(advice.actions).toEqual(['override-policy']);
  });
});
