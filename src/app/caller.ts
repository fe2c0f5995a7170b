import { can, canEverywhere, type Permission, type Principal } from '../core/access/access.js';
import { ShipgateError } from '../core/errors.js';
import type { Channel } from '../core/release/release.js';

/** Who asks, through which channel. Every use case acts with the caller's own permissions, never more. */
export interface Caller {
  principal: Principal;
  channel: Channel;
  /** Set by the AI command center for the releases it makes. */
  conversationId?: string | null;
}

/** Throws `FORBIDDEN` unless the caller holds `permission` on `environment`. The error names no release data. */
export function requirePermission(caller: Caller, permission: Permission, environment: string): void {
  if (!can(caller.principal, permission, environment)) {
    throw new ShipgateError('FORBIDDEN', `${permission} on environment "${environment}" is required`, { permission });
  }
}

/** Throws `FORBIDDEN` unless the caller holds `permission` on every environment. */
export function requireGlobal(caller: Caller, permission: Permission): void {
  if (!canEverywhere(caller.principal, permission)) {
    throw new ShipgateError('FORBIDDEN', `${permission} on every environment is required`, { permission });
  }
}
