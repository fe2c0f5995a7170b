import type { NameRule } from '../names.js';
import type { RoleBinding } from './access.js';

/**
 * A claim → role rule: whoever presents a token whose `claim` is (or, for a list claim such as `groups`, contains)
 * `value` is granted `role` on `environments`. With `issuer`, it holds only for tokens of that issuer; without one,
 * only for the sign-in provider's ID tokens (so a CI system's claims never match a rule meant for people).
 * @example { claim: 'groups', value: 'platform-admins', role: 'admin', environments: ['*'], issuer: null }
 */
export interface RoleMapping extends RoleBinding {
  issuer: string | null;
  claim: string;
  value: string;
}

/** A claim's name: letters, digits and `_ . : -` (e.g. `groups`, `repository`, `ref`, `job_workflow_ref`). */
export const CLAIM_NAME: NameRule = {
  pattern: '^[A-Za-z0-9_.:-]+$',
  maxLength: 100,
  description: 'a claim name: letters, digits, "_", ".", ":" and "-"',
};

/** The longest value a mapping may match, and the most mappings kept. */
export const ROLE_MAPPING_LIMITS = { maxValueLength: 500, maxMappings: 500 } as const;

/** Where a set of claims comes from: its issuer, and whether it is a sign-in at the configured provider. */
export interface ClaimSource {
  issuer: string;
  /** True for the sign-in provider's ID tokens: mappings without an issuer apply to them too. */
  signIn: boolean;
}

/** The strings a claim holds: a string is itself, a list its string members; anything else holds none. */
function claimValues(claim: unknown): string[] {
  if (typeof claim === 'string') return [claim];
  if (Array.isArray(claim)) return claim.filter((v): v is string => typeof v === 'string');
  return [];
}

function mappingApplies(mapping: RoleMapping, source: ClaimSource): boolean {
  return mapping.issuer === null ? source.signIn : mapping.issuer === source.issuer;
}

/**
 * The role bindings the mappings grant for a token's claims (in mapping order, one per match). No match: none, so the
 * caller is authenticated but may read nothing.
 * @example bindingsFromClaims(mappings, { issuer: 'https://idp', signIn: true }, { groups: ['ops'] })
 */
export function bindingsFromClaims(mappings: readonly RoleMapping[], source: ClaimSource, claims: Record<string, unknown>): RoleBinding[] {
  const bindings: RoleBinding[] = [];
  for (const mapping of mappings) {
    if (!mappingApplies(mapping, source) || !Object.hasOwn(claims, mapping.claim)) continue;
    if (claimValues(claims[mapping.claim]).includes(mapping.value)) {
      bindings.push({ role: mapping.role, environments: [...mapping.environments] });
    }
  }
  return bindings;
}

/**
 * A user's subject: the issuer's host and the token's `sub`, so two providers' users never share a name.
 * @example subjectOf('https://accounts.example.com', '248289761001') // 'accounts.example.com:248289761001'
 */
export function subjectOf(issuer: string, sub: string): string {
  return `${new URL(issuer).host}:${sub}`;
}
