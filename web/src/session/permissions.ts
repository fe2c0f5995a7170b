import type { Me } from '../api/client';

export type Permission = 'deployment:read' | 'deployment:write' | 'deployment:approve' | 'admin';

/** True when the signed-in user holds `permission` on `environment` (a `*` binding covers every environment). */
export function can(me: Me | null | undefined, permission: Permission, environment: string): boolean {
  if (!me) return false;
  const granted = [...(me.permissions['*'] ?? []), ...(me.permissions[environment] ?? [])];
  return granted.includes(permission);
}
