import { NextResponse, type NextRequest } from 'next/server';
import { allowedHosts, hostAllowed } from '@/lib/server/http/allowed-hosts';
import { isApiPath, newNonce, securityHeaders, servedOverHttps } from '@/lib/server/http/security-headers';

// Runs before every request Next.js serves (pages, API, static files): refuses a Host Trellis is
// not served at (DNS rebinding; 421 with the error contract), gives the request an id (passed on
// to the route as x-request-id, which withRoute logs with) and sets the security headers; a page
// gets a fresh script nonce, passed on in the request's CSP header (Next.js puts it on its scripts)
// and as x-nonce (the root layout's theme script).
// Configuration was validated at start (instrumentation.ts → config.ts); this reads the same env.

export function proxy(request: NextRequest): NextResponse {
  const requestId = crypto.randomUUID();
  const env = process.env;
  const publicUrl = env.TRELLIS_PUBLIC_URL || undefined;
  const hosts = allowedHosts({ allowed: env.TRELLIS_ALLOWED_HOSTS, publicUrl, listenHost: env.TRELLIS_HOST || '127.0.0.1' });
  const api = isApiPath(request.nextUrl.pathname);
  const nonce = api ? undefined : newNonce();
  const security = securityHeaders({ https: servedOverHttps(request.headers, publicUrl), api, dev: env.NODE_ENV === 'development', nonce });
  const headers = { 'x-request-id': requestId, ...security };
  if (typeof hosts === 'string' || !hostAllowed(request.headers.get('host'), hosts)) {
    const body = { error: { code: 'HOST_NOT_ALLOWED', message: 'this Host is not one Trellis is served at (TRELLIS_ALLOWED_HOSTS)' } };
    return NextResponse.json(body, { status: 421, headers: { ...headers, 'cache-control': 'no-store' } });
  }
  const forwarded = new Headers(request.headers);
  forwarded.set('x-request-id', requestId);
  if (nonce) {
    forwarded.set('x-nonce', nonce);
    forwarded.set('content-security-policy', security['content-security-policy'] ?? '');
  }
  const response = NextResponse.next({ request: { headers: forwarded } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Every path, static files included: headers belong on every response.
  matcher: '/:path*',
};
