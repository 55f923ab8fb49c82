import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { setStoreUser } from '@/lib/server/auth/users';
import { testContext } from '../support/trellis';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { startStack, type Stack } from './stack';

// The worker page's Controls in Chromium against the built Trellis and real workers
// (TRELLIS_AUTH=password): an operator pings, grows the pool, sets a rate limit, adds a consumer and
// shuts a worker down (typing its name), each answer shown; a viewer sees no Controls; in read-only
// mode nobody does.

const PASSWORD = 'a long enough password';
let browser: Browser;

async function signedIn(stack: Stack, name: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${stack.baseUrl}/login`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.baseUrl}/`, { waitUntil: 'commit' });
  return page;
}

async function startWithUsers(env: Record<string, string> = {}): Promise<Stack> {
  const stack = await startStack({ env: { TRELLIS_AUTH: 'password', ...env }, readyPath: '/api/v1/auth/me' });
  const ctx = testContext({ CELERY_BROKER_URL: stack.brokerUrl });
  for (const role of ['viewer', 'operator'] as const) await setStoreUser(ctx, `${role}1`, role, PASSWORD);
  ctx.close();
  return stack;
}

const workerPath = (hostname: string) => `/workers/${encodeURIComponent(hostname)}`;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
});

describe('worker controls', () => {
  let stack: Stack;
  let page: Page;
  beforeAll(async () => {
    stack = await startWithUsers();
    page = await signedIn(stack, 'operator1');
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const result = () => page.getByTestId('control-result');
  /** Clicks a control and waits for the worker's answer in the live region. */
  async function press(name: string, expected: RegExp) {
    await page.getByRole('region', { name: 'Controls' }).getByRole('button', { name, exact: true }).click();
    await expect.poll(() => result().innerText(), { timeout: 15_000 }).toMatch(expected);
  }

  it('an operator pings, grows the pool, sets a rate limit and adds a consumer; each reply is shown', async () => {
    const [b1] = stack.workers;
    if (!b1) throw new Error('no worker');
    await page.goto(`${stack.baseUrl}${workerPath(b1.hostname)}`, { waitUntil: 'networkidle' });
    const controls = page.getByRole('region', { name: 'Controls' });
    await controls.waitFor();

    await press('Ping', /pong/);
    await controls.getByLabel('Processes').fill('1');
    await press('Grow', /pool will grow/);
    const stats = z.object({ reply: z.object({ pool: z.object({ processes: z.array(z.number()) }) }) });
    await expect
      .poll(async () => stats.parse(await (await page.request.get(`${stack.baseUrl}/api/v1/workers/${encodeURIComponent(b1.hostname)}/inspect/stats`)).json()).reply.pool.processes.length, { timeout: 15_000 })
      .toBe(3);

    await controls.getByLabel('Task', { exact: true }).fill('tasks.add');
    await controls.getByLabel(/Rate limit/).fill('10/m');
    await press('Set rate limit', /rate limit set successfully/);
    await controls.getByLabel('Queue').fill('ui-extra');
    await press('Add consumer', /add consumer ui-extra/);

    // An error reply is shown as such: an unknown task.
    await controls.getByLabel('Task', { exact: true }).fill('tasks.nope');
    await press('Set rate limit', /error: .*unknown task/);
    expect(await new AxeBuilder({ page }).include('[aria-label="Controls"]').analyze().then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id))).toEqual([]);
  }, 120_000);

  it('shutdown asks for the worker name, then the worker goes offline', async () => {
    const [, b2] = stack.workers;
    if (!b2) throw new Error('no worker');
    await page.goto(`${stack.baseUrl}${workerPath(b2.hostname)}`, { waitUntil: 'networkidle' });
    const controls = page.getByRole('region', { name: 'Controls' });
    await controls.getByRole('button', { name: 'Shut down…' }).click();
    const confirm = controls.getByRole('button', { name: 'Shut down', exact: true });
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await controls.getByLabel(`Type ${b2.hostname} to shut it down`).fill('not the name');
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await controls.getByLabel(`Type ${b2.hostname} to shut it down`).fill(b2.hostname);
    await press('Shut down', /never answers shutdown/);
    const worker = z.object({ status: z.string() });
    await expect
      .poll(async () => worker.parse(await (await page.request.get(`${stack.baseUrl}/api/v1/workers/${encodeURIComponent(b2.hostname)}`)).json()).status, { timeout: 20_000 })
      .toBe('offline');
    // The outcome stayed on screen as the worker went offline; the controls are now disabled.
    await expect(result().innerText()).resolves.toMatch(/never answers shutdown/);
    await page.goto(`${stack.baseUrl}${workerPath(b2.hostname)}`, { waitUntil: 'networkidle' });
    await page.getByText('The worker is offline: there is nothing to send it.').waitFor();
    await expect(page.getByRole('region', { name: 'Controls' }).getByRole('button', { name: 'Ping', exact: true }).isDisabled()).resolves.toBe(true);
  }, 120_000);

  it('a viewer sees no controls', async () => {
    const viewer = await signedIn(stack, 'viewer1');
    const [b1] = stack.workers;
    await viewer.goto(`${stack.baseUrl}${workerPath(b1?.hostname ?? '')}`, { waitUntil: 'networkidle' });
    await viewer.getByRole('region', { name: 'Inspect' }).waitFor();
    await expect(viewer.getByRole('region', { name: 'Controls' }).count()).resolves.toBe(0);
  }, 60_000);
});

describe('read-only mode', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startWithUsers({ TRELLIS_READ_ONLY: 'true' });
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('hides the controls from an operator', async () => {
    const page = await signedIn(stack, 'operator1');
    const [b1] = stack.workers;
    await page.goto(`${stack.baseUrl}${workerPath(b1?.hostname ?? '')}`, { waitUntil: 'networkidle' });
    await page.getByRole('region', { name: 'Inspect' }).waitFor();
    await expect(page.getByRole('region', { name: 'Controls' }).count()).resolves.toBe(0);
    await expect(page.getByText('Read-only mode (TRELLIS_READ_ONLY): worker controls are off.').isVisible()).resolves.toBe(true);
  }, 60_000);
});
