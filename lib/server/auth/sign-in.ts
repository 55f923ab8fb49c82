import 'server-only';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import type { TrellisContext } from '../context';
import { authenticate, type Principal } from './authenticate';
import { createSession, sessionCookies } from './sessions';
import { checkPassword } from './users';

// Sign-in with a built-in user (TRELLIS_AUTH=password), and "who am I" for the pages.

export const SignInSchema = z.object({ name: z.string().min(1).max(100), password: z.string().min(1).max(1_000) }).strict();

/** Cookies are Secure when Trellis is served over HTTPS (its public URL, or the proxy in front says so). */
export function isHttps(ctx: TrellisContext, request: Request): boolean {
  return ctx.config.alerts.publicUrl.startsWith('https://') || request.headers.get('x-forwarded-proto') === 'https';
}

export async function signIn(ctx: TrellisContext, request: Request, input: z.infer<typeof SignInSchema>): Promise<Response> {
  if (ctx.config.auth.mode !== 'password') throw new AppError('BAD_REQUEST', `sign-in with a password is off (TRELLIS_AUTH=${ctx.config.auth.mode})`);
  const user = await checkPassword(ctx, input.name, input.password);
  if (!user) throw new AppError('UNAUTHORIZED', 'wrong name or password');
  const { cookie, session } = await createSession(ctx, { user: user.name, name: user.name, role: user.role, via: 'password' });
  const headers = new Headers({ 'cache-control': 'no-store' });
  for (const c of sessionCookies({ cookie, csrf: session.csrf, maxAge: ctx.config.auth.sessionTtlSeconds }, isHttps(ctx, request))) headers.append('set-cookie', c);
  return Response.json({ name: user.name, role: user.role }, { headers });
}

export async function whoAmI(ctx: TrellisContext, request: Request): Promise<{ principal: Principal | null; mode: TrellisContext['config']['auth']['mode'] }> {
  return { principal: await authenticate(ctx, request).catch(() => null), mode: ctx.config.auth.mode };
}
