import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startOidcProvider, type TestAccount, type TestProvider } from '../support/oidc-provider';
import { freePort } from '../support/redis-server';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { startStack, type Stack } from './stack';

// Single sign-on end to end in Debian's Chromium: a real OpenID provider (panva's oidc-provider) on
// loopback, the built Trellis with TRELLIS_AUTH=oidc. Sign in through the provider's login form,
// land on the app with the role mapped from the groups claim; people outside the allow-list (a
// look-alike domain, an unverified e-mail) and people without a role are refused with a clear
// message and no session; signing out ends the session, and the provider's (RP-initiated logout).

const ACCOUNTS: TestAccount[] = [
  { sub: 'olga', email: 'olga@example.com', email_verified: true, name: 'Olga Ops', groups: ['trellis-ops'] },
  { sub: 'ada', email: 'ada@partner.example.org', email_verified: true, name: 'Ada Admin', groups: ['trellis-admins'] },
  { sub: 'eve', email: 'eve@example.com.evil.net', email_verified: true, name: 'Eve', groups: ['trellis-ops'] },
  { sub: 'uma', email: 'uma@example.com', email_verified: false, name: 'Uma Unverified', groups: ['trellis-ops'] },
  { sub: 'nora', email: 'nora@example.com', email_verified: true, name: 'Nora No-role', groups: ['marketing'] },
];

let provider: TestProvider;
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  provider = await startOidcProvider({ redirectUri: `${publicUrl}/api/v1/auth/oidc/callback`, accounts: ACCOUNTS });
  stack = await startStack({
    port,
    env: {
      TRELLIS_AUTH: 'oidc',
      TRELLIS_PUBLIC_URL: publicUrl,
      TRELLIS_OIDC_ISSUER: provider.issuer,
      TRELLIS_OIDC_CLIENT_ID: provider.clientId,
      TRELLIS_OIDC_CLIENT_SECRET: provider.clientSecret,
      TRELLIS_OIDC_ALLOW: '@example.com,group:trellis-admins',
      TRELLIS_OIDC_ROLES: 'admin=trellis-admins,operator=trellis-ops',
      TRELLIS_OIDC_SCOPES: 'openid email profile groups',
    },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await provider?.stop();
});

const Me = z.object({ principal: z.object({ name: z.string(), role: z.string(), kind: z.string() }).nullable(), mode: z.string() });

/** A fresh browser (no provider or Trellis cookies) that may reach loopback only. */
async function freshBrowser(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  // The provider's pages import a web font: nothing leaves the machine.
  await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
  return { context, page: await context.newPage() };
}

/** From Trellis' sign-in page through the provider's login form, back to Trellis. */
async function signInAs(page: Page, login: string): Promise<void> {
  await page.goto(`${stack.baseUrl}/login`);
  await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
  await page.waitForURL((url) => url.href.startsWith(provider.issuer));
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any password (development login form)');
  await page.click('button[type="submit"]');
  await page.waitForURL((url) => url.href.startsWith(stack.baseUrl));
  await page.waitForLoadState('networkidle');
}

async function me(page: Page) {
  return Me.parse(await (await page.request.get(`${stack.baseUrl}/api/v1/auth/me`)).json());
}

describe('single sign-on (OIDC) in the browser', () => {
  it('shows the single sign-on button, and pages send an anonymous visitor to it', async () => {
    const { context, page } = await freshBrowser();
    await page.goto(`${stack.baseUrl}/tasks`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.getByRole('link', { name: 'Sign in with single sign-on' }).isVisible()).resolves.toBe(true);
    expect((await me(page)).principal).toBeNull();
    await context.close();
  });

  it('signs an ops user in as operator, and signing out ends the session, at the provider too', async () => {
    const { context, page } = await freshBrowser();
    await signInAs(page, 'olga');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await me(page)).toEqual({ principal: { name: 'Olga Ops', role: 'operator', kind: 'user' }, mode: 'oidc' });
    await expect(page.getByText('Olga Ops').first().isVisible()).resolves.toBe(true);
    const sessionCookie = (await context.cookies()).find((c) => c.name === 'trellis_session');
    expect(sessionCookie?.httpOnly).toBe(true);

    await page.getByRole('button', { name: 'Sign out' }).click();
    // RP-initiated logout: the provider's end-session page (it asks), then back to Trellis' /login.
    await page.waitForURL((url) => url.href.startsWith(provider.issuer));
    await page.click('button[name="logout"][value="yes"]');
    await page.waitForURL((url) => url.href.startsWith(stack.baseUrl) && url.pathname === '/login');
    expect((await me(page)).principal).toBeNull();
    // The provider's session ended too: single sign-on asks for the login again.
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await page.waitForURL((url) => url.href.startsWith(provider.issuer));
    await page.locator('input[name="login"]').waitFor();
    await page.goto(`${stack.baseUrl}/login`);
    await page.goto(`${stack.baseUrl}/workers`);
    expect(new URL(page.url()).pathname).toBe('/login');
    // The old cookie, replayed, opens nothing: the session is gone from the store.
    const replay = await fetch(`${stack.baseUrl}/api/v1/auth/me`, { headers: { cookie: `trellis_session=${sessionCookie?.value ?? ''}` } });
    expect(Me.parse(await replay.json()).principal).toBeNull();
    await context.close();
  });

  it('maps the admin group to admin (allowed by group, from a domain not on the list)', async () => {
    const { context, page } = await freshBrowser();
    await signInAs(page, 'ada');
    expect((await me(page)).principal).toEqual({ name: 'Ada Admin', role: 'admin', kind: 'user' });
    await context.close();
  });

  it.each([
    ['eve', 'a look-alike domain (example.com.evil.net)', /not allowed into Trellis/],
    ['uma', 'an allowed domain but an unverified e-mail', /not allowed into Trellis/],
    ['nora', 'an allowed domain but no group with a role', /none of your groups has a Trellis role/],
  ])('refuses %s (%s) with a clear message and no session', async (login, _why, message) => {
    const { context, page } = await freshBrowser();
    await signInAs(page, login);
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.getByRole('alert').filter({ hasText: message }).isVisible()).resolves.toBe(true);
    expect((await context.cookies()).some((c) => c.name === 'trellis_session' && c.value !== '')).toBe(false);
    expect((await me(page)).principal).toBeNull();
    await context.close();
  });

  it('refuses a callback without its sign-in cookie (a forged or replayed redirect)', async () => {
    const res = await fetch(`${stack.baseUrl}/api/v1/auth/oidc/callback?code=forged&state=forged`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?sso=expired');
    expect(opensSession(res)).toBe(false);
  });

  it('refuses a callback whose state is not the one this browser started with', async () => {
    const start = await fetch(`${stack.baseUrl}/api/v1/auth/oidc/start`, { redirect: 'manual' });
    expect(start.status).toBe(303);
    const toProvider = new URL(start.headers.get('location') ?? '');
    expect(toProvider.origin).toBe(provider.issuer);
    expect(toProvider.searchParams.get('code_challenge_method')).toBe('S256');
    const flowCookie = start.headers.getSetCookie().find((c) => c.startsWith('trellis_oidc='))?.split(';')[0] ?? '';
    expect(flowCookie.length).toBeGreaterThan(50);
    const res = await fetch(`${stack.baseUrl}/api/v1/auth/oidc/callback?code=stolen&state=not-${toProvider.searchParams.get('state') ?? ''}`, { headers: { cookie: flowCookie }, redirect: 'manual' });
    expect(res.headers.get('location')).toBe('/login?sso=failed');
    expect(opensSession(res)).toBe(false);
  });
});

/** Whether a response sets a (non-empty) Trellis session cookie. */
function opensSession(res: Response): boolean {
  return res.headers.getSetCookie().some((c) => c.startsWith('trellis_session=') && !c.startsWith('trellis_session=;'));
}
