import { describe, expect, it } from 'vitest';
import { adviceFor } from './problem-advice';

const problem = (code: string, reason?: string) => ({ type: 'x', title: 'T', status: 400, detail: 'detail', code, reason });

describe('problems in plain words', () => {
  it('offers a fresh preview for every preview reason', () => {
    for (const reason of [
      'PREVIEW_MISSING',
      'PREVIEW_INVALID',
      'PREVIEW_EXPIRED',
      'PREVIEW_MISMATCH',
      'PREVIEW_CONSUMED',
      'PREVIEW_STALE',
    ]) {
      const advice = adviceFor(problem('PREVIEW_REQUIRED', reason));
      expect(advice.actions).toEqual(['preview-again']);
      expect(advice.message).not.toContain('{');
    }
    expect(adviceFor(problem('PREVIEW_REQUIRED', 'PREVIEW_EXPIRED')).title).toBe('The preview expired');
  });

  it('explains approval, freeze and sign-in problems', () => {
    expect(adviceFor(problem('APPROVAL_REQUIRED')).actions).toContain('submit');
    expect(adviceFor(problem('FROZEN')).actions).toEqual(['override-freeze']);
    expect(adviceFor(problem('UNAUTHENTICATED')).actions).toEqual(['sign-in']);
    expect(adviceFor({ ...problem('VALIDATION_FAILED'), errors: [{ path: '/application', message: 'is required' }] }).message).toBe(
      '/application: is required',
    );
    const schemaError = { ...problem('VALIDATION_FAILED'), errors: [{ path: '/body/target/project', message: 'must match pattern' }] };
    expect(adviceFor(schemaError).message).toBe('/target/project: must match pattern');
  });
});
