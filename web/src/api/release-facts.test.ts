import { describe, expect, it } from 'vitest';
import { approvalsGiven, parameterText } from './release-facts';

describe('facts of a release', () => {
  it('counts approvals, not rejections', () => {
    const decision = (approver: string, d: 'approve' | 'reject') => ({ approver, decision: d, comment: '', at: '2025-01-01T00:00:00Z' });
    expect(approvalsGiven({ decisions: [decision('alice', 'approve'), decision('bob', 'reject'), decision('carol', 'approve')] })).toBe(2);
  });

  it('writes parameters as NAME=value pairs', () => {
    expect(parameterText({ parameters: { TAG: '1.4.2', REPLICAS: '2' } })).toBe('TAG=1.4.2 REPLICAS=2');
    expect(parameterText({ parameters: {} })).toBe('');
  });
});
