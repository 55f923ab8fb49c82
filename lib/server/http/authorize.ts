import 'server-only';

// The permission every route declares. Authentication (roles, API tokens, OIDC) is a later issue;
// until it lands every caller is the anonymous operator with every permission, and this is the one
// place that will change. See docs/adr/0003-route-wrapper-and-permissions.md.

export type Permission =
  | 'tasks:read'
  | 'workers:read'
  | 'queues:read'
  | 'broker:read'
  | 'system:read'
  | 'alerts:read'
  | 'alerts:act'
  | 'tasks:act'
  | 'queues:act';

export interface Principal {
  id: string;
  kind: 'anonymous' | 'user' | 'token';
  permissions: ReadonlySet<Permission> | 'all';
}

const ANONYMOUS: Principal = { id: 'anonymous', kind: 'anonymous', permissions: 'all' };

export async function authorize(_request: Request, _permission: Permission): Promise<Principal> {
  return ANONYMOUS;
}
