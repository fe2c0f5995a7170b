import { can, canEverywhere, type Permission, type Principal } from '../core/access/access.js';
import { ShipgateError } from '../core/errors.js';
import type { Channel } from '../core/release/release.js';

/** Who asks, through which channel. Every use case acts with the caller's own permissions, never more. */
export interface Caller {
  principal: Principal;
  channel: Channel;
  /** Set by the AI command center for the releases it makes. */
  conversationId?: string | null;
  /** Shipgate itself (e.g. the verifier asking for a rollback): events name a system actor, never a user. */
  system?: boolean;
}

/**
 * Throws `FORBIDDEN` unless the caller holds `permission` on `environment`. The error names no release data, and
 * names the environment only to a caller who may read it: a refusal is never an oracle for what exists.
 */
export function requirePermission(caller: Caller, permission: Permission, environment: string): void {
  if (!can(caller.principal, permission, environment)) {
    const where = canRead(caller, environment) ? `environment "${environment}"` : 'this environment';
    throw new ShipgateError('FORBIDDEN', `${permission} on ${where} is required`, { permission });
  }
}

/**
 * What a caller hears of a release, ticket or environment that does not exist: `NOT_FOUND` when they may read every
 * environment (it would be theirs to see wherever it were), else the very `FORBIDDEN` they get for one that exists
 * in an environment they may not read. So an id or a name is never an oracle for what exists.
 */
export function missingFor(caller: Caller, permission: Permission, what: string): ShipgateError {
  if (canEverywhere(caller.principal, 'deployment:read')) return new ShipgateError('NOT_FOUND', `${what} not found`);
  return new ShipgateError('FORBIDDEN', `${permission} on this environment is required`, { permission });
}

/** True when the caller may read the environment (and so may see anything of it, refusals included). */
export function canRead(caller: Caller, environment: string): boolean {
  return can(caller.principal, 'deployment:read', environment);
}

/** Throws `FORBIDDEN` unless the caller holds `permission` on every environment. */
export function requireGlobal(caller: Caller, permission: Permission): void {
  if (!canEverywhere(caller.principal, permission)) {
    throw new ShipgateError('FORBIDDEN', `${permission} on every environment is required`, { permission });
  }
}
