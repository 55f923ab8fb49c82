// Roles, default deny: every permission names the least role that holds it; a role holds the
// permissions of the roles below it. viewer reads; operator acts on tasks, workers, alerts and
// queues (purge archives and move keeps every message: both can be undone) and reads the audit log;
// admin does what cannot be undone (delete an archive or a message), and manages tokens, users and settings.

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'tasks:read',
  'workers:read',
  'queues:read',
  'broker:read',
  'system:read',
  'alerts:read',
  'tasks:act',
  'workers:act',
  'alerts:act',
  'queues:act',
  'audit:read',
  'queues:delete',
  'admin',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const LEAST_ROLE: Record<Permission, Role> = {
  'tasks:read': 'viewer',
  'workers:read': 'viewer',
  'queues:read': 'viewer',
  'broker:read': 'viewer',
  'system:read': 'viewer',
  'alerts:read': 'viewer',
  'tasks:act': 'operator',
  'workers:act': 'operator',
  'alerts:act': 'operator',
  /** Purge (into an archive), restore, move. */
  'queues:act': 'operator',
  'audit:read': 'operator',
  /** Delete an archive or a waiting message: cannot be undone. */
  'queues:delete': 'admin',
  /** Tokens, users, settings. */
  admin: 'admin',
};

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAllows(role: Role, permission: Permission): boolean {
  return RANK[role] >= RANK[LEAST_ROLE[permission]];
}

export function leastRoleFor(permission: Permission): Role {
  return LEAST_ROLE[permission];
}
