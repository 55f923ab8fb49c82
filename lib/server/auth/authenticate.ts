import 'server-only';
import { AppError } from '@/lib/errors';
import type { TrellisContext } from '../context';
import type { Role } from './roles';
import { cookieValue, CSRF_HEADER, readSession, SESSION_COOKIE } from './sessions';
import { verifyToken } from './tokens';

// Who is asking: a bearer token (scripts), a session cookie (browsers), or — only with
// TRELLIS_AUTH=none, which Trellis allows on loopback only — the anonymous operator with every right.

export interface Principal {
  /** "user:<name>", "token:<id>" or "anonymous". */
  id: string;
  kind: 'anonymous' | 'user' | 'token';
  name: string;
  role: Role;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const WHY: Record<'malformed' | 'unknown' | 'expired' | 'revoked', string> = {
  malformed: 'the bearer token is not a Trellis token',
  unknown: 'the bearer token is not valid',
  expired: 'the bearer token has expired',
  revoked: 'the bearer token was revoked',
};

/** The principal of a request, or null when it carries no credentials (and auth is on). Bad credentials throw 401. */
export async function authenticate(ctx: TrellisContext, request: Request): Promise<Principal | null> {
  const authorization = request.headers.get('authorization');
  if (authorization) {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!m?.[1]) throw new AppError('UNAUTHORIZED', 'Authorization must be "Bearer <token>"');
    const check = await verifyToken(ctx, m[1]);
    if (!check.ok) throw new AppError('UNAUTHORIZED', WHY[check.why]);
    return { id: `token:${check.record.id}`, kind: 'token', name: check.record.name, role: check.record.role };
  }
  if (ctx.config.auth.mode === 'none') return { id: 'anonymous', kind: 'anonymous', name: 'anonymous', role: 'admin' };
  const cookie = cookieValue(request.headers.get('cookie'), SESSION_COOKIE);
  if (!cookie) return null;
  const session = await readSession(ctx, cookie);
  if (!session) return null;
  if (!SAFE_METHODS.has(request.method)) checkCsrf(request, session.csrf);
  return { id: `user:${session.user}`, kind: 'user', name: session.name, role: session.role };
}

/**
 * A state-changing request made with a session cookie must prove it comes from Trellis' own pages:
 * the CSRF token (double submit: the page's script copies it from its cookie into a header, which
 * another site cannot read), and, when the browser says where it comes from, the same origin.
 */
function checkCsrf(request: Request, expected: string): void {
  const origin = request.headers.get('origin');
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  if (origin && host && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = '';
    }
    if (originHost !== host) throw new AppError('FORBIDDEN', 'cross-site request refused (Origin does not match)');
  }
  if (request.headers.get(CSRF_HEADER) !== expected) throw new AppError('FORBIDDEN', `cross-site request refused: the ${CSRF_HEADER} header is missing or wrong`);
}
