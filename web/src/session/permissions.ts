import type { Approval, Me } from '../api/client';

/** A permission as `GET /me` lists it per environment. */
export type Permission = 'deployment:read' | 'deployment:write' | 'deployment:approve' | 'admin';

/** True when the signed-in user holds `permission` on `environment` (a `*` binding covers every environment). */
export function can(me: Me | null | undefined, permission: Permission, environment: string): boolean {
  if (!me) return false;
  const granted = [...(me.permissions['*'] ?? []), ...(me.permissions[environment] ?? [])];
  return granted.includes(permission);
}

/** True when the signed-in user holds `permission` on every environment (a `*` binding), as admin pages need. */
export function canEverywhere(me: Me | null | undefined, permission: Permission): boolean {
  return me?.permissions['*']?.includes(permission) ?? false;
}

/** Why the signed-in user may not decide on a ticket, or null when they may. */
export function decisionBlocker(ticket: Pick<Approval, 'environment' | 'requestedBy'>, me: Me | null | undefined): string | null {
  if (!can(me, 'deployment:approve', ticket.environment)) return `You need the approver role on ${ticket.environment} to decide.`;
  if (me?.subject === ticket.requestedBy) return 'You requested this release; another approver has to decide.';
  return null;
}
