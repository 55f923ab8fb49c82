import 'server-only';
import type { TrellisContext } from '../context';
import { endSessionUrl } from './oidc';
import { cookieValue, endSession, readSession, SESSION_COOKIE, sessionCookies } from './sessions';
import { isHttps } from './sign-in';

// Sign-out: the session ends in the store (so everywhere at once) and the cookies are cleared. A
// single sign-on session also gets the provider's end-session URL, where the browser goes next so
// that the provider's own session ends too (else "sign in" would let the same person straight back).

export async function signOut(ctx: TrellisContext, request: Request): Promise<Response> {
  const cookie = cookieValue(request.headers.get('cookie'), SESSION_COOKIE);
  const session = cookie ? await readSession(ctx, cookie) : null;
  if (session) await endSession(ctx, session.sid);
  const headers = new Headers({ 'cache-control': 'no-store' });
  for (const c of sessionCookies(null, isHttps(ctx, request))) headers.append('set-cookie', c);
  const next = session?.via === 'oidc' ? await endSessionUrl(ctx, session.idToken) : null;
  return Response.json({ signedOut: session !== null, endSessionUrl: next }, { headers });
}
