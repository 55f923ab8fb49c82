import 'server-only';
import { randomBytes, randomUUID } from 'node:crypto';
import { sealData, unsealData } from 'iron-session';
import { z } from 'zod';
import type { TrellisContext } from '../context';
import { CSRF_COOKIE } from '@/lib/hooks/csrf';
import { ROLES } from './roles';

// Browser sessions: an HttpOnly cookie sealed by iron-session (encrypted and signed; no hand-rolled
// crypto) that holds only a session id; the session itself (who, role, CSRF token) lives in the
// store with the session's TTL, so logout ends it everywhere at once and every process agrees.
// A second cookie, readable by the page's script, carries the CSRF token (double submit).

export const SESSION_COOKIE = 'trellis_session';
export { CSRF_COOKIE, CSRF_HEADER } from '@/lib/hooks/csrf';

export const SessionSchema = z.object({
  user: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  via: z.enum(['password', 'oidc']),
  /** Single sign-on: the raw ID token, the hint for the provider's end-session endpoint at sign-out (kept in the store, never in the cookie). */
  idToken: z.string().optional(),
  csrf: z.string(),
  createdAt: z.number(),
});
export type Session = z.infer<typeof SessionSchema> & { sid: string };

/** The sealing secret; made once (on the first sign-in) and kept in the store, so every process and the next start agree. */
async function secret(ctx: TrellisContext, create: boolean): Promise<string | null> {
  if (ctx.config.auth.sessionSecret) return ctx.config.auth.sessionSecret;
  if (create) await ctx.store.set(ctx.keys.authSessionSecret, randomBytes(32).toString('base64url'), 'NX');
  return ctx.store.get(ctx.keys.authSessionSecret);
}

/** The iron-session password, made if missing (also seals the short-lived single sign-on flow cookie). */
export async function sessionSecret(ctx: TrellisContext): Promise<string> {
  const password = await secret(ctx, true);
  if (!password) throw new Error('no session secret in the store');
  return password;
}

export async function createSession(ctx: TrellisContext, who: Omit<Session, 'sid' | 'csrf' | 'createdAt'>): Promise<{ cookie: string; session: Session }> {
  const sid = randomUUID();
  const session: Session = { ...who, sid, csrf: randomBytes(24).toString('base64url'), createdAt: Date.now() / 1000 };
  const ttl = ctx.config.auth.sessionTtlSeconds;
  const { sid: _, ...stored } = session;
  await ctx.store.set(ctx.keys.authSession(sid), JSON.stringify(stored), 'EX', Math.ceil(ttl));
  const cookie = await sealData({ sid }, { password: await sessionSecret(ctx), ttl });
  return { cookie, session };
}

export async function readSession(ctx: TrellisContext, cookie: string): Promise<Session | null> {
  // No secret yet means nobody ever signed in: no cookie can be valid (and a stray one creates nothing).
  const password = await secret(ctx, false);
  if (!password) return null;
  let sid: unknown;
  try {
    sid = ((await unsealData<{ sid?: string }>(cookie, { password, ttl: ctx.config.auth.sessionTtlSeconds })) as { sid?: string }).sid;
  } catch {
    return null;
  }
  if (typeof sid !== 'string' || !/^[0-9a-f-]{36}$/.test(sid)) return null;
  const raw = await ctx.store.get(ctx.keys.authSession(sid));
  if (!raw) return null;
  try {
    const parsed = SessionSchema.safeParse(JSON.parse(raw));
    return parsed.success ? { ...parsed.data, sid } : null;
  } catch {
    return null;
  }
}

export async function endSession(ctx: TrellisContext, sid: string): Promise<void> {
  await ctx.store.del(ctx.keys.authSession(sid));
}

/** Set-Cookie values for a new session (or, with `null`, clearing both cookies). */
export function sessionCookies(value: { cookie: string; csrf: string; maxAge: number } | null, secure: boolean): string[] {
  const flags = `Path=/; SameSite=Lax${secure ? '; Secure' : ''}`;
  if (!value) return [`${SESSION_COOKIE}=; ${flags}; HttpOnly; Max-Age=0`, `${CSRF_COOKIE}=; ${flags}; Max-Age=0`];
  return [`${SESSION_COOKIE}=${value.cookie}; ${flags}; HttpOnly; Max-Age=${Math.floor(value.maxAge)}`, `${CSRF_COOKIE}=${value.csrf}; ${flags}; Max-Age=${Math.floor(value.maxAge)}`];
}

export function cookieValue(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=') || null;
  }
  return null;
}
