import { describe, expect, it } from 'vitest';
import { bindingsFromClaims, subjectOf, type RoleMapping } from './role-mapping.js';

const IDP = 'https://idp.example.com';
const CI = 'https://token.actions.githubusercontent.com';

const mappings: RoleMapping[] = [
  { issuer: null, claim: 'groups', value: 'platform-admins', role: 'admin', environments: ['*'] },
  { issuer: null, claim: 'email', value: 'dana@example.com', role: 'approver', environments: ['production'] },
  { issuer: CI, claim: 'repository', value: 'acme/shop', role: 'deployer', environments: ['staging'] },
  { issuer: CI, claim: 'ref', value: 'refs/heads/main', role: 'deployer', environments: ['production'] },
];

describe('claims → role bindings', () => {
  it('matches a list claim by membership and a string claim by equality', () => {
    const signIn = { issuer: IDP, signIn: true };
    expect(bindingsFromClaims(mappings, signIn, { groups: ['dev', 'platform-admins'] })).toEqual([{ role: 'admin', environments: ['*'] }]);
    expect(bindingsFromClaims(mappings, signIn, { groups: 'platform-admins', email: 'dana@example.com' })).toEqual([
      { role: 'admin', environments: ['*'] },
      { role: 'approver', environments: ['production'] },
    ]);
  });

  it('grants nothing without a match, for a near miss or a value of another type', () => {
    const signIn = { issuer: IDP, signIn: true };
    expect(bindingsFromClaims(mappings, signIn, {})).toEqual([]);
    expect(bindingsFromClaims(mappings, signIn, { groups: ['platform-admins-x', 'Platform-Admins'] })).toEqual([]);
    expect(bindingsFromClaims(mappings, signIn, { groups: { 'platform-admins': true } })).toEqual([]);
    expect(bindingsFromClaims(mappings, signIn, { email: ['dana@example.com '] })).toEqual([]);
  });

  it('applies an issuer-scoped mapping only to that issuer, and an unscoped one only to sign-in', () => {
    const ci = { issuer: CI, signIn: false };
    expect(bindingsFromClaims(mappings, ci, { repository: 'acme/shop', ref: 'refs/heads/feature', groups: ['platform-admins'] })).toEqual([
      { role: 'deployer', environments: ['staging'] },
    ]);
    expect(bindingsFromClaims(mappings, { issuer: 'https://other.example', signIn: false }, { repository: 'acme/shop' })).toEqual([]);
    expect(bindingsFromClaims(mappings, { issuer: IDP, signIn: true }, { repository: 'acme/shop' })).toEqual([]);
  });

  it('never reads inherited properties as claims', () => {
    const claims = Object.create({ groups: ['platform-admins'] }) as Record<string, unknown>;
    expect(bindingsFromClaims(mappings, { issuer: IDP, signIn: true }, claims)).toEqual([]);
  });

  it('names a subject by the issuer host and sub', () => {
    expect(subjectOf('https://idp.example.com:8443/realms/acme', 'u-1')).toBe('idp.example.com:8443:u-1');
  });
});
