import { describe, expect, it } from 'vitest';
import type { PolicyInput } from '../../core/policy/policy.js';
import { CelRuleEvaluator } from './cel-rule-evaluator.js';

const input: PolicyInput = {
  release: { application: 'web', environment: 'production', kind: 'deploy', parameters: { TAG: '1.4', DB_PASSWORD: '********' } },
  images: ['web:1.4', 'redis:latest'],
  resources: [
    {
      kind: 'Deployment',
      name: 'web',
      spec: { spec: { replicas: 1, template: { spec: { containers: [{ name: 'a', image: 'web:1.4' }] } } } },
    },
    { kind: 'Service', name: 'web', spec: { spec: { ports: [{ port: 80 }] } } },
  ],
};
const sample: PolicyInput = {
  release: { application: 'app', environment: 'production', kind: 'deploy', parameters: {} },
  images: [],
  resources: [],
};

describe('custom policy rules in CEL', () => {
  const cel = new CelRuleEvaluator();

  it('evaluates rules over the release, its images and its resources', () => {
    expect(cel.evaluate('!images.exists(i, i.endsWith(":latest"))', input)).toBe(false);
    expect(cel.evaluate('release.environment == "production" && release.kind == "deploy"', input)).toBe(true);
    expect(cel.evaluate('resources.all(r, r.kind != "Deployment" || r.spec.spec.replicas >= 2)', input)).toBe(false);
    expect(cel.evaluate('release.parameters.DB_PASSWORD == "********"', input)).toBe(true);
    expect(cel.evaluate('size(images) == 2', input)).toBe(true);
  });

  it('reports what it cannot decide as an error, never as a pass', () => {
    expect(cel.evaluate('resources.all(r, r.spec.spec.replicas >= 2)', { ...input, resources: [input.resources[1]!] })).toEqual({
      error: expect.any(String),
    });
    expect(cel.evaluate('release.nothing == 1', input)).toEqual({ error: expect.any(String) });
  });

  it.each([
    ['a syntax error', '1 +', /does not parse/],
    ['an unknown variable', 'request.user == "x"', /cannot be evaluated/],
    ['a type error', 'release.application + 1 == "x"', /cannot be evaluated/],
    ['a number', 'size(images)', /boolean/],
    ['a string', '"yes"', /boolean/],
    ['an unknown function', 'release.application.isLatest()', /cannot be evaluated/],
  ])('refuses %s when the rule is saved', (_what, expression, message) => {
    expect(cel.problem(expression, sample)).toMatch(message);
  });

  it('accepts a rule that only fails on some releases', () => {
    expect(cel.problem('resources.all(r, r.kind != "Deployment" || r.spec.spec.replicas >= 2)', sample)).toBeNull();
  });

  it('matches regular expressions with RE2, so a pattern that backtracks exponentially elsewhere cannot stall a preview', () => {
    expect(cel.evaluate('!images.exists(i, i.matches("^(a+)+$"))', { ...input, images: [`${'a'.repeat(50_000)}!`] })).toBe(true);
  });
});
