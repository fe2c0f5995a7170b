/** Permissions granted per environment. `admin` also manages environments and tokens. */
export const PERMISSIONS = ['deployment:read', 'deployment:write', 'deployment:approve', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['viewer', 'deployer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The built-in roles and what each grants. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['deployment:read'],
  deployer: ['deployment:read', 'deployment:write'],
  approver: ['deployment:read', 'deployment:approve'],
  admin: PERMISSIONS,
};

/** A role on a list of environments, or on every environment with `["*"]`. */
export interface RoleBinding {
  role: Role;
  environments: string[];
}

/** Who is calling, and what they were granted. */
export interface Principal {
  subject: string;
  bindings: RoleBinding[];
}

export const ALL_ENVIRONMENTS = '*';

function bindingCovers(binding: RoleBinding, environment: string): boolean {
  return binding.environments.includes(ALL_ENVIRONMENTS) || binding.environments.includes(environment);
}

/** The permissions a principal holds on one environment. */
export function permissionsOn(principal: Principal, environment: string): Set<Permission> {
  const granted = new Set<Permission>();
  for (const binding of principal.bindings) {
    if (bindingCovers(binding, environment)) for (const p of ROLE_PERMISSIONS[binding.role]) granted.add(p);
  }
  return granted;
}

/** True when the principal holds `permission` on `environment`. */
export function can(principal: Principal, permission: Permission, environment: string): boolean {
  return permissionsOn(principal, environment).has(permission);
}

/**
 * True when the principal holds `permission` on every environment (bound with `*`). Managing environments and tokens
 * needs `admin` this way.
 */
export function canEverywhere(principal: Principal, permission: Permission): boolean {
  return principal.bindings.some((b) => b.environments.includes(ALL_ENVIRONMENTS) && ROLE_PERMISSIONS[b.role].includes(permission));
}

/**
 * Which environments a principal may use with `permission`: `'all'`, or the names listed in its bindings.
 * @example environmentsWith(p, 'deployment:read') // 'all' | ['staging']
 */
export function environmentsWith(principal: Principal, permission: Permission): 'all' | string[] {
  if (canEverywhere(principal, permission)) return 'all';
  const names = new Set<string>();
  for (const b of principal.bindings) {
    if (ROLE_PERMISSIONS[b.role].includes(permission)) for (const e of b.environments) names.add(e);
  }
  return [...names].sort();
}

/** Permissions per environment for `GET /me`: `{ "*": [...], "staging": [...] }`. */
export function permissionMap(principal: Principal): Record<string, Permission[]> {
  const map: Record<string, Permission[]> = {};
  const names = new Set(principal.bindings.flatMap((b) => b.environments));
  for (const name of [...names].sort()) {
    map[name] = PERMISSIONS.filter((p) => permissionsOn(principal, name).has(p));
  }
  return map;
}

/** The shortest bootstrap admin token (`SHIPGATE_ADMIN_TOKEN`) accepted: it holds every permission at once. */
export const MIN_ADMIN_TOKEN_LENGTH = 24;
