import { describe, expect, it } from 'vitest';
import { can, decisionBlocker } from './permissions';

const me = (subject: string, permissions: Record<string, string[]>) => ({ subject, permissions, bindings: [] });

describe('what the signed-in user may do', () => {
  it('reads permissions per environment, a * binding covering all', () => {
    expect(can(me('dana', { staging: ['deployment:write'] }), 'deployment:write', 'staging')).toBe(true);
    expect(can(me('dana', { staging: ['deployment:write'] }), 'deployment:write', 'production')).toBe(false);
    expect(can(me('root', { '*': ['admin'] }), 'admin', 'production')).toBe(true);
    expect(can(null, 'deployment:read', 'staging')).toBe(false);
  });

  it('says why a ticket cannot be decided: no approver role, or one’s own release', () => {
    const ticket = { environment: 'production', requestedBy: 'dana' };
    expect(decisionBlocker(ticket, me('dana', { production: ['deployment:write'] }))).toContain('approver role on production');
    expect(decisionBlocker(ticket, me('dana', { production: ['deployment:approve'] }))).toContain('You requested this release');
    expect(decisionBlocker(ticket, me('alice', { '*': ['deployment:approve'] }))).toBeNull();
  });
});
