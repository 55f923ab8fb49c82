import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getContext } from '../context';
import { authenticate, type Principal } from './authenticate';
import { FULL_VIEW, type RedactView } from '../redaction';
import { viewFor } from './redact-view';
import { leastRoleFor, roleAllows, type Permission } from './roles';

// Pages declare what they need as routes do: `await requirePage('tasks:read')`. Not signed in:
// to the sign-in page. Signed in without the role: a result the page shows instead of itself.

export type PageAccess = { ok: true; principal: Principal } | { ok: false; principal: Principal; message: string };

export async function currentPrincipal(): Promise<Principal | null> {
  const h = await headers();
  return authenticate(getContext(), new Request('http://trellis.local/', { headers: h })).catch(() => null);
}

export async function requirePage(permission: Permission): Promise<PageAccess> {
  const principal = await currentPrincipal();
  if (!principal) redirect('/login');
  if (!roleAllows(principal.role, permission)) {
    return { ok: false, principal, message: `This page needs the ${leastRoleFor(permission)} role; you are signed in as ${principal.name} (${principal.role}).` };
  }
  return { ok: true, principal };
}

/** What a page may show its viewer of task payloads (TRELLIS_HIDE_ARGS=viewer hides them from viewers). */
export async function pageView(): Promise<RedactView> {
  const principal = await currentPrincipal();
  return principal ? viewFor(principal, getContext().config) : FULL_VIEW;
}

/** Which actions a page may offer its viewer: by role, and none at all in read-only mode (the
 *  buttons are hidden; the API refuses regardless). */
export interface PageActions {
  tasks: boolean;
  workers: boolean;
  queues: boolean;
  /** Delete an archive or a message (cannot be undone). */
  queuesDelete: boolean;
  readOnly: boolean;
}

export function actionsFor(principal: Principal): PageActions {
  const readOnly = getContext().config.readOnly;
  const may = (p: Permission) => !readOnly && roleAllows(principal.role, p);
  return { tasks: may('tasks:act'), workers: may('workers:act'), queues: may('queues:act'), queuesDelete: may('queues:delete'), readOnly };
}
