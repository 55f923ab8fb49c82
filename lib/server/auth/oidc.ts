import 'server-only';
import { sealData, unsealData } from 'iron-session';
import * as client from 'openid-client';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import { LOOPBACK_HOSTS, type OidcConfig } from '../config';
import type { TrellisContext } from '../context';
import { logger } from '../logger';
import { isAllowed, type Identity } from './oidc-allow';
import type { SsoOutcome } from './oidc-refusals';
import { roleFor } from './oidc-roles';
import { cookieValue, createSession, sessionCookies, sessionSecret } from './sessions';
import { isHttps } from './sign-in';

// Single sign-on (TRELLIS_AUTH=oidc) with openid-client: discovery, the authorization code flow
// with PKCE, state and nonce, the token exchange and ID token validation are the library's; Trellis
// keeps the flow's secrets in a short-lived sealed cookie, checks the allow-list, maps the role, and
// then opens the same store session as a password sign-in.

const FLOW_COOKIE = 'trellis_oidc';
const FLOW_PATH = '/api/v1/auth/oidc';
const FLOW_TTL_SECONDS = 600;
const FlowSchema = z.object({ state: z.string(), nonce: z.string(), verifier: z.string() });

let discovered: { issuer: string; config: Promise<client.Configuration> } | null = null;

/** The provider's configuration, discovered once per process (again after a failure). */
function provider(oidc: OidcConfig): Promise<client.Configuration> {
  if (discovered?.issuer === oidc.issuer) return discovered.config;
  const issuer = new URL(oidc.issuer);
  // openid-client refuses plain http; config lets it through for a provider on loopback only.
  const insecure = issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname);
  const config = client.discovery(issuer, oidc.clientId, oidc.clientSecret, undefined, { execute: insecure ? [client.allowInsecureRequests] : [], timeout: 10 });
  const entry = { issuer: oidc.issuer, config };
  config.catch(() => {
    if (discovered === entry) discovered = null;
  });
  discovered = entry;
  return config;
}

function oidcOf(ctx: TrellisContext): OidcConfig {
  if (!ctx.config.auth.oidc) throw new AppError('BAD_REQUEST', `single sign-on is off (TRELLIS_AUTH=${ctx.config.auth.mode})`);
  return ctx.config.auth.oidc;
}

const redirectUri = (ctx: TrellisContext) => `${ctx.config.alerts.publicUrl}${FLOW_PATH}/callback`;

function flowCookie(value: string | null, secure: boolean): string {
  const flags = `Path=${FLOW_PATH}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  return value ? `${FLOW_COOKIE}=${value}; ${flags}; Max-Age=${FLOW_TTL_SECONDS}` : `${FLOW_COOKIE}=; ${flags}; Max-Age=0`;
}

function redirect(location: string, cookies: string[]): Response {
  const headers = new Headers({ location, 'cache-control': 'no-store' });
  for (const c of cookies) headers.append('set-cookie', c);
  return new Response(null, { status: 303, headers });
}

/** GET /api/v1/auth/oidc/start: to the provider, with this attempt's state, nonce and PKCE verifier sealed in a cookie. */
export async function startSignOn(ctx: TrellisContext, request: Request): Promise<Response> {
  const oidc = oidcOf(ctx);
  let config: client.Configuration;
  try {
    config = await provider(oidc);
  } catch (err) {
    logger.error({ issuer: oidc.issuer, err: (err as Error).message }, 'single sign-on: provider discovery failed');
    return redirect('/login?sso=unavailable', []);
  }
  const flow = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier() };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri(ctx),
    scope: oidc.scopes,
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
    code_challenge_method: 'S256',
  });
  const sealed = await sealData(flow, { password: await sessionSecret(ctx), ttl: FLOW_TTL_SECONDS });
  return redirect(url.href, [flowCookie(sealed, isHttps(ctx, request))]);
}

/** GET /api/v1/auth/oidc/callback: exchange and verify, then allow-list, role, session; or back to /login saying why. */
export async function finishSignOn(ctx: TrellisContext, request: Request): Promise<Response> {
  const oidc = oidcOf(ctx);
  const secure = isHttps(ctx, request);
  const back = (outcome: SsoOutcome) => redirect(`/login?sso=${outcome}`, [flowCookie(null, secure)]);
  const flow = await openFlow(ctx, cookieValue(request.headers.get('cookie'), FLOW_COOKIE));
  if (!flow) return back('expired');
  const search = new URL(request.url).search;
  if (new URLSearchParams(search).get('error') === 'access_denied') return back('cancelled');

  let claims: Record<string, unknown>;
  let idToken: string | undefined;
  try {
    ({ claims, idToken } = await verifiedClaims(await provider(oidc), search, redirectUri(ctx), flow));
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'single sign-on failed');
    return back('failed');
  }
  const who = identityOf(claims, oidc.groupsClaim);
  if (!isAllowed(oidc.allow, who)) {
    logger.warn({ sub: who.sub, email: who.email, emailVerified: who.emailVerified, groups: who.groups }, 'single sign-on refused: not on TRELLIS_OIDC_ALLOW');
    return back('not-allowed');
  }
  const role = roleFor(oidc.roles, who.groups);
  if (!role) {
    logger.warn({ sub: who.sub, email: who.email, groups: who.groups }, 'single sign-on refused: no role from TRELLIS_OIDC_ROLES');
    return back('no-role');
  }
  const { cookie, session } = await createSession(ctx, { user: who.user, name: who.name, role, via: 'oidc', ...(idToken ? { idToken } : {}) });
  logger.info({ user: who.user, role }, 'signed in with single sign-on');
  return redirect('/', [...sessionCookies({ cookie, csrf: session.csrf, maxAge: ctx.config.auth.sessionTtlSeconds }, secure), flowCookie(null, secure)]);
}

/** Where the browser goes after signing out of a single sign-on session: the provider's end-session
 *  endpoint (RP-initiated logout), which ends the provider's session too and sends the browser back
 *  to /login; null when the provider has none (or cannot be reached: the Trellis session is gone anyway). */
export async function endSessionUrl(ctx: TrellisContext, idToken: string | undefined): Promise<string | null> {
  const oidc = ctx.config.auth.oidc;
  if (!oidc) return null;
  try {
    const config = await provider(oidc);
    if (!config.serverMetadata().end_session_endpoint) return null;
    return client.buildEndSessionUrl(config, { post_logout_redirect_uri: `${ctx.config.alerts.publicUrl}/login`, ...(idToken ? { id_token_hint: idToken } : {}) }).href;
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'single sign-on: no end-session URL (provider discovery failed)');
    return null;
  }
}

async function openFlow(ctx: TrellisContext, sealed: string | null): Promise<z.infer<typeof FlowSchema> | null> {
  if (!sealed) return null;
  try {
    const parsed = FlowSchema.safeParse(await unsealData(sealed, { password: await sessionSecret(ctx), ttl: FLOW_TTL_SECONDS }));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The ID token's claims (verified by openid-client: signature, issuer, audience, expiry, nonce), completed by userinfo; and the raw ID token. */
async function verifiedClaims(config: client.Configuration, search: string, callback: string, flow: z.infer<typeof FlowSchema>): Promise<{ claims: Record<string, unknown>; idToken: string | undefined }> {
  const current = new URL(callback);
  current.search = search;
  const tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true });
  const idToken = tokens.claims();
  if (!idToken) throw new Error('the provider returned no ID token');
  // Many providers put e-mail and groups only in userinfo for the code flow; the ID token's claims win.
  const userinfo = config.serverMetadata().userinfo_endpoint ? await client.fetchUserInfo(config, tokens.access_token, idToken.sub) : {};
  return { claims: { ...userinfo, ...idToken }, idToken: tokens.id_token };
}

/** The identity the allow-list and the role rules look at, and the names the session keeps. */
export function identityOf(claims: Record<string, unknown>, groupsClaim: string): Identity & { sub: string; user: string; name: string } {
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const email = typeof claims.email === 'string' ? claims.email : null;
  // Some providers send the flag as the string "true".
  const emailVerified = claims.email_verified === true || claims.email_verified === 'true';
  const raw = claims[groupsClaim];
  const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : typeof raw === 'string' ? [raw] : [];
  const user = email && emailVerified ? email : `oidc:${sub}`;
  const name = typeof claims.name === 'string' && claims.name ? claims.name : user;
  return { sub, email, emailVerified, groups, user, name };
}
