import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '@/lib/server/auth/tokens';
import { setStoreUser } from '@/lib/server/auth/users';
import { testContext } from '../support/trellis';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { startStack, type Stack } from './stack';

// The Audit page in Chromium against the built Trellis (TRELLIS_AUTH=password): actions made
// through the API by a token are listed newest first, filtered, paged by cursor, expandable; Verify
// chain reports the chain intact; a viewer is refused the page.

const PASSWORD = 'a long enough password';
const PINGS = 52; // more than one page (50)
let stack: Stack;
let browser: Browser;
let page: Page;

async function control(token: string, hostname: string, command: string): Promise<void> {
  const res = await fetch(`${stack.baseUrl}/api/v1/workers/${encodeURIComponent(hostname)}/control/${command}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  if (res.status !== 200) throw new Error(`${command}: ${res.status} ${await res.text()}`);
}

async function signedIn(name: string): Promise<Page> {
  const p = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await p.goto(`${stack.baseUrl}/login`);
  await p.getByLabel('Name').fill(name);
  await p.getByLabel('Password').fill(PASSWORD);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL(`${stack.baseUrl}/`, { waitUntil: 'commit' });
  return p;
}

beforeAll(async () => {
  stack = await startStack({ env: { TRELLIS_AUTH: 'password' }, readyPath: '/api/v1/auth/me' });
  const ctx = testContext({ CELERY_BROKER_URL: stack.brokerUrl });
  for (const role of ['viewer', 'operator'] as const) await setStoreUser(ctx, `${role}1`, role, PASSWORD);
  const token = (await createToken(ctx, { name: 'ops-script', role: 'operator' }, 'test')).token;
  ctx.close();
  const [b1, b2] = stack.workers;
  if (!b1 || !b2) throw new Error('two workers expected');
  for (let i = 0; i < PINGS; i++) await control(token, b1.hostname, 'ping');
  await control(token, b2.hostname, 'enable_events');
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  page = await signedIn('operator1');
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const go = (path: string) => page.goto(`${stack.baseUrl}${path}`, { waitUntil: 'networkidle' });
const entries = () => page.getByTestId('audit-entry');

describe('audit page', () => {
  it('lists actions newest first, 50 a page, and pages on by cursor', async () => {
    await go('/audit');
    await expect(entries().count()).resolves.toBe(50);
    const first = await entries().first().innerText();
    expect(first).toContain('workers.enable_events');
    expect(first).toContain('ops-script');
    await page.getByRole('link', { name: 'Older →' }).click();
    await page.waitForURL(/cursor=/);
    await expect(entries().count()).resolves.toBe(PINGS + 1 - 50);
    await expect(page.getByRole('link', { name: 'Older →' }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: '← Newest' }).click();
    await page.waitForURL((u) => !u.search.includes('cursor='));
    await expect(entries().count()).resolves.toBe(50);
  }, 60_000);

  it('filters by action and outcome; an entry expands to its parameters, result and replies', async () => {
    await go('/audit');
    const filters = page.getByRole('form', { name: 'Audit filters' });
    await filters.getByLabel(/^Action/).fill('workers.enable_events');
    await filters.getByLabel('Outcome').selectOption('ok');
    await filters.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=workers\.enable_events/);
    await expect(entries().count()).resolves.toBe(1);
    await entries().first().locator('summary').click();
    const details = await entries().first().locator('details').innerText();
    expect(details).toMatch(/Worker replies/);
    expect(details).toContain(stack.workers[1]?.hostname ?? '');
    expect(details).toMatch(/task events/);

    await go('/audit?action=workers.&outcome=refused');
    await expect(page.getByText('No actions recorded that match these filters.').isVisible()).resolves.toBe(true);
  }, 60_000);

  it('Verify chain says the chain is intact; the page passes axe', async () => {
    await go('/audit');
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect.poll(() => page.getByTestId('verify-result').innerText(), { timeout: 15_000 }).toMatch(new RegExp(`Chain intact: ${PINGS + 1} entries checked`));
    const violations = (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
    expect(violations).toEqual([]);
  }, 60_000);

  it('a viewer is refused the page', async () => {
    const viewer = await signedIn('viewer1');
    await viewer.goto(`${stack.baseUrl}/audit`, { waitUntil: 'networkidle' });
    await expect(viewer.getByRole('alert').filter({ hasText: 'needs the operator role' }).isVisible()).resolves.toBe(true);
    await expect(viewer.getByTestId('audit-entry').count()).resolves.toBe(0);
  }, 60_000);
});
