import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, revokeToken } from '@/lib/server/auth/tokens';
import { setStoreUser } from '@/lib/server/auth/users';
import { testContext } from '../support/trellis';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { startStack, type Stack } from './stack';

// Sign-in in front of every page, against the real built server (TRELLIS_AUTH=password): every page
// (found on the file system) sends an anonymous visitor to /login and shows to a viewer; /settings
// needs an admin; a viewer signs in and out in Chromium.

let stack: Stack;
let browser: Browser;
/** Bearer headers: a token of each role, and bad, expired and revoked ones. */
const bearer: Record<string, string> = {};
const PASSWORD = 'a long enough password';

function pages(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? pages(full) : entry === 'page.tsx' ? [full] : [];
  });
}

function pagePaths(): string[] {
  const params: Record<string, string> = { id: stack.workload.success[0] ?? 'x', hostname: stack.workers[0]?.hostname ?? 'x', name: 'celery' };
  return pages(path.join('app', '(app)')).map((f) => {
    const rel = path.relative(path.join('app', '(app)'), path.dirname(f)).replace(/\\/g, '/');
    return '/' + rel.replace(/\[([^\]]+)\]/g, (_, n: string) => encodeURIComponent(params[n] ?? 'x'));
  }).map((p) => (p === '/' ? '/' : p.replace(/\/$/, '')));
}

async function signIn(name: string): Promise<string> {
  const res = await fetch(`${stack.baseUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password: PASSWORD }) });
  expect(res.status).toBe(200);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

beforeAll(async () => {
  stack = await startStack({ env: { TRELLIS_AUTH: 'password' } });
  const ctx = testContext({ CELERY_BROKER_URL: stack.brokerUrl });
  for (const role of ['viewer', 'admin'] as const) await setStoreUser(ctx, `${role}1`, role, PASSWORD);
  for (const role of ['viewer', 'operator', 'admin'] as const) bearer[role] = (await createToken(ctx, { name: role, role }, 'test')).token;
  const expired = await createToken(ctx, { name: 'expired', role: 'admin', expiresInSeconds: 1 }, 'test');
  const revoked = await createToken(ctx, { name: 'revoked', role: 'admin' }, 'test');
  await revokeToken(ctx, revoked.record.id);
  bearer.expired = expired.token;
  bearer.revoked = revoked.token;
  bearer.bad = `trellis_${'0'.repeat(32)}_${'A'.repeat(43)}`;
  ctx.close();
  await new Promise((r) => setTimeout(r, 1_100));
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('pages behind sign-in', () => {
  it('every page sends an anonymous visitor to /login; the API answers 401', async () => {
    const all = pagePaths();
    expect(all).toEqual(expect.arrayContaining(['/', '/tasks', '/workers', '/queues', '/alerts', '/settings']));
    for (const p of all) {
      const res = await fetch(`${stack.baseUrl}${p}`, { redirect: 'manual' });
      expect([p, res.status, res.headers.get('location')?.replace(stack.baseUrl, '')]).toEqual([p, 307, '/login']);
    }
    expect((await fetch(`${stack.baseUrl}/login`)).status).toBe(200);
    expect((await fetch(`${stack.baseUrl}/api/v1/tasks`)).status).toBe(401);
  });

  it('a viewer sees every page but /settings, which needs an admin', async () => {
    const viewer = await signIn('viewer1');
    const admin = await signIn('admin1');
    for (const p of pagePaths()) {
      const res = await fetch(`${stack.baseUrl}${p}`, { headers: { cookie: viewer }, redirect: 'manual' });
      const html = await res.text();
      expect([p, res.status]).toEqual([p, 200]);
      if (p === '/settings') expect(html).toContain('needs the admin role');
      if (p === '/audit') expect(html).toContain('needs the operator role');
    }
    expect(await (await fetch(`${stack.baseUrl}/settings`, { headers: { cookie: admin } })).text()).toContain('API tokens');
    expect((await fetch(`${stack.baseUrl}/api/v1/tokens`, { headers: { cookie: viewer } })).status).toBe(403);
  });

  it('pages × callers: bad, expired and revoked tokens are sent to /login; every role sees the pages, /settings only an admin', async () => {
    const problems: string[] = [];
    for (const p of pagePaths()) {
      for (const [who, token] of Object.entries(bearer)) {
        const res = await fetch(`${stack.baseUrl}${p}`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
        const html = res.status === 200 ? await res.text() : '';
        const role = ['viewer', 'operator', 'admin'].includes(who) ? who : null;
        const refused = (p === '/settings' && role !== 'admin') || (p === '/audit' && role === 'viewer');
        const expected = role === null ? '307 /login' : refused ? '200 refused' : '200';
        const got = res.status === 307 ? `307 ${res.headers.get('location')?.replace(stack.baseUrl, '')}` : res.status === 200 && /needs the (admin|operator) role/.test(html) ? '200 refused' : String(res.status);
        if (got !== expected) problems.push(`${p} with the ${who} token: ${got}, expected ${expected}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every page runs under the per-request nonce CSP: no violation, the nonce differs each time, and the pages hydrate', async () => {
    const admin = await signIn('admin1');
    const context = await browser.newContext();
    await context.addCookies(admin.split('; ').map((c) => ({ name: c.slice(0, c.indexOf('=')), value: c.slice(c.indexOf('=') + 1), url: stack.baseUrl })));
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
    });
    const nonces = new Set<string>();
    for (const p of [...pagePaths(), '/login', '/no-such-page']) {
      const res = await page.goto(`${stack.baseUrl}${p}`);
      const csp = res?.headers()['content-security-policy'] ?? '';
      expect(csp, p).not.toMatch(/script-src[^;]*unsafe-inline/);
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce, p).toBeDefined();
      nonces.add(nonce ?? '');
      // Hydrated: React attached its handlers (to a button or link of the page).
      await expect.poll(() => page.evaluate(() => Object.keys(document.querySelector('button, a') ?? {}).some((k) => k.startsWith('__react')))).toBe(true);
    }
    expect(nonces.size).toBe(pagePaths().length + 2);
    expect(violations).toEqual([]);
    await context.close();
  }, 120_000);

  it('signs in and out in Chromium', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${stack.baseUrl}/tasks`);
    await page.waitForURL(/\/login$/, { waitUntil: 'commit' });
    await page.getByLabel('Name').fill('viewer1');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('wrong name or password').waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.baseUrl}/`, { waitUntil: 'commit' });
    await expect.poll(() => page.locator('header').textContent()).toContain('viewer1');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/, { waitUntil: 'commit' });
    await page.goto(`${stack.baseUrl}/workers`);
    await page.waitForURL(/\/login$/, { waitUntil: 'commit' });
  }, 60_000);
});
