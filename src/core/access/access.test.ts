import { describe, expect, it } from 'vitest';
import { can, canEverywhere, environmentsWith, permissionMap, type Principal } from './access.js';

describe('roles and per-environment permissions', () => {
  const p: Principal = {
    subject: 'dana',
    bindings: [
      { role: 'deployer', environments: ['staging'] },
      { role: 'viewer', environments: ['*'] },
      { role: 'approver', environments: ['production'] },
    ],
  };

  it('grants per environment', () => {
    expect(can(p, 'deployment:write', 'staging')).toBe(true);
    expect(can(p, 'deployment:write', 'production')).toBe(false);
    expect(can(p, 'deployment:read', 'anything')).toBe(true);
    expect(can(p, 'deployment:approve', 'production')).toBe(true);
    expect(can(p, 'deployment:approve', 'staging')).toBe(false);
    expect(can(p, 'admin', 'staging')).toBe(false);
  });

  it('lists where a permission holds', () => {
    expect(environmentsWith(p, 'deployment:read')).toBe('all');
    expect(environmentsWith(p, 'deployment:write')).toEqual(['staging']);
    expect(canEverywhere({ subject: 'a', bindings: [{ role: 'admin', environments: ['staging'] }] }, 'admin')).toBe(false);
    expect(permissionMap(p)['production']).toEqual(['deployment:read', 'deployment:approve']);
  });
});
