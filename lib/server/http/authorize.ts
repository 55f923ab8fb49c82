import 'server-only';
import { AppError } from '@/lib/errors';
import { authenticate, type Principal } from '../auth/authenticate';
import { leastRoleFor, roleAllows, type Permission } from '../auth/roles';
import type { TrellisContext } from '../context';

// The permission every route declares, checked for the request's principal: 401 without valid
// credentials, 403 when its role lacks the permission (default deny: lib/server/auth/roles.ts).
// See docs/adr/0003-route-wrapper-and-permissions.md.

export type { Permission } from '../auth/roles';
export type { Principal } from '../auth/authenticate';

export async function authorize(ctx: TrellisContext, request: Request, permission: Permission): Promise<Principal> {
  const principal = await authenticate(ctx, request);
  if (!principal) throw new AppError('UNAUTHORIZED', 'sign in, or send Authorization: Bearer <token>');
  if (!roleAllows(principal.role, permission)) {
    throw new AppError('FORBIDDEN', `${permission} needs the ${leastRoleFor(permission)} role; ${principal.name} is ${principal.role}`);
  }
  return principal;
}
