import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { rateLimit, RateLimitedError } from '../http/rate-limit';
import { getContext } from '../context';
import { authenticate, type Principal } from './authenticate';
import { FULL_VIEW, type RedactView } from '../redaction';
import { viewFor } from './redact-view';
import { leastRoleFor, roleAllows, type Permission } from './roles';

// Pages declare what they need as routes do: `await requirePage('tasks:read')`. Not signed in:
// to the sign-in page. Signed in without the role, or past the caller's read budget
// (TRELLIS_RATE_LIMIT, the same bucket as the API's reads; spent once per page render): a result
// the page shows instead of itself.

export type PageAccess = { ok: true; principal: Principal } | { ok: false; principal: Principal; message: string };

async function currentRequest(): Promise<Request> {
  return new Request('http://trellis.local/', { headers: await headers() });
}

export async function currentPrincipal(): Promise<Principal | null> {
  return authenticate(getContext(), await currentRequest()).catch(() => null);
}

/** One read token per page render (the layout and the page share it); the error when over budget. */
const spendPageBudget = cache(async (principal: Principal): Promise<string | null> => {
  try {
    await rateLimit(getContext(), await currentRequest(), principal, 'read');
    return null;
  } catch (err) {
    if (err instanceof RateLimitedError) return `Too many requests from you: retry in ${err.retryAfterSeconds} s.`;
    throw err;
  }
});

export async function requirePage(permission: Permission): Promise<PageAccess> {
  const principal = await currentPrincipal();
  if (!principal) redirect('/login');
  if (!roleAllows(principal.role, permission)) {
    return { ok: false, principal, message: `This page needs the ${leastRoleFor(permission)} role; you are signed in as ${principal.name} (${principal.role}).` };
  }
  const limited = await spendPageBudget(principal);
  if (limited) return { ok: false, principal, message: limited };
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
