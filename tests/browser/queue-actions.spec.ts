import AxeBuilder from '@axe-core/playwright';
import Redis from 'ioredis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { setStoreUser } from '@/lib/server/auth/users';
import { runDriver } from '../support/celery';
import { testContext } from '../support/trellis';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { startStack, type Stack } from './stack';

// Queue actions in Chromium against the real built server and a real cluster (TRELLIS_AUTH=
// password): a viewer sees no action; an operator purges 150 messages (typing the queue name, as
// more than 100 are concerned), restores the archive, moves 20 to another queue, and has no delete;
// an admin deletes one waiting message. Each dialog shows the dry run's count and the outcome. In
// read-only mode nobody sees an action.

const PASSWORD = 'a long enough password';
const QUEUE = 'ui-actions';
let stack: Stack;
let browser: Browser;
let broker: Redis;
let ids: string[] = [];

async function signedIn(name: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${stack.baseUrl}/login`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.baseUrl}/`, { waitUntil: 'commit' });
  return page;
}

/** The queue page once the sampler has measured the queue. */
async function queuePage(page: Page): Promise<void> {
  await expect
    .poll(async () => {
      await page.goto(`${stack.baseUrl}/queues/${QUEUE}`, { waitUntil: 'networkidle' });
      return page.getByRole('heading', { name: QUEUE, exact: true }).isVisible();
    }, { timeout: 30_000, interval: 1_000 })
    .toBe(true);
}

const depth = async () => (await Promise.all([QUEUE, `${QUEUE}\x06\x163`, `${QUEUE}\x06\x166`, `${QUEUE}\x06\x169`].map((k) => broker.llen(k)))).reduce((a, b) => a + b, 0);

async function startWithUsers(env: Record<string, string> = {}): Promise<Stack> {
  const started = await startStack({ env: { TRELLIS_AUTH: 'password', ...env }, readyPath: '/api/v1/auth/me' });
  const ctx = testContext({ CELERY_BROKER_URL: started.brokerUrl });
  for (const role of ['viewer', 'operator', 'admin'] as const) await setStoreUser(ctx, `${role}1`, role, PASSWORD);
  ctx.close();
  return started;
}

async function publish(count: number): Promise<string[]> {
  return z.object({ ids: z.array(z.string()) }).parse(await runDriver(['queue-only', QUEUE, String(count)], { brokerUrl: stack.brokerUrl, backendUrl: stack.backendUrl })).ids;
}

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
});

describe('queue actions in the browser', () => {
  beforeAll(async () => {
    stack = await startWithUsers();
    broker = new Redis(stack.brokerUrl);
    ids = await publish(150);
  }, 300_000);
  afterAll(async () => {
    broker?.disconnect();
    await stack?.stop();
  });

  it('a viewer sees the archives but no action', async () => {
    const page = await signedIn('viewer1');
    await queuePage(page);
    await expect(page.getByRole('region', { name: /^Archives/ }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Purge…' }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Move…' }).count()).resolves.toBe(0);
  }, 60_000);

  it('an operator purges (typing the queue name), restores, and moves; no delete', async () => {
    const page = await signedIn('operator1');
    await queuePage(page);
    await page.getByRole('button', { name: 'Purge…' }).click();
    const purge = page.getByRole('dialog', { name: `Purge · ${QUEUE}` });
    await purge.getByRole('status').filter({ hasText: 'This takes 150 messages' }).waitFor();
    const confirm = purge.getByRole('button', { name: 'Purge 150' });
    await expect(confirm.isDisabled()).resolves.toBe(true);
    const axe = await new AxeBuilder({ page }).include('dialog').analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    await purge.getByLabel(/type .* to confirm/i).fill(QUEUE);
    await confirm.click();
    await purge.getByTestId('action-outcome').filter({ hasText: 'Purged 150 messages into archive' }).waitFor();
    expect(await depth()).toBe(0);
    await purge.getByRole('button', { name: 'Close' }).click();
    await expect(page.getByRole('button', { name: 'Purge…' }).evaluate((b) => b === document.activeElement)).resolves.toBe(true);

    const row = page.getByTestId('archive-table').locator('tbody tr').first();
    await row.waitFor();
    const archiveId = (await row.locator('td').first().innerText()).trim();
    await expect(page.getByRole('button', { name: `Delete ${archiveId}` }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: `Restore ${archiveId}` }).click();
    const restore = page.getByRole('dialog', { name: `Restore · ${QUEUE}` });
    await restore.getByRole('button', { name: 'Preview' }).click();
    await restore.getByRole('status').filter({ hasText: 'This takes 150 messages' }).waitFor();
    await restore.getByLabel(/type .* to confirm/i).fill(QUEUE);
    await restore.getByRole('button', { name: 'Restore 150' }).click();
    await restore.getByTestId('action-outcome').filter({ hasText: `Restored 150 messages into ${QUEUE}` }).waitFor();
    expect(await depth()).toBe(150);
    await restore.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: 'Move…' }).click();
    const move = page.getByRole('dialog', { name: `Move · ${QUEUE}` });
    await move.getByLabel('Target queue').fill(`${QUEUE}-b`);
    await move.getByLabel(/How many/).fill('20');
    await move.getByRole('button', { name: 'Preview' }).click();
    await move.getByRole('status').filter({ hasText: 'This takes 20 messages' }).waitFor();
    await expect(move.getByLabel(/type .* to confirm/i).count()).resolves.toBe(0);
    await move.getByRole('button', { name: 'Move 20' }).click();
    await move.getByTestId('action-outcome').filter({ hasText: `Moved 20 messages to ${QUEUE}-b` }).waitFor();
    expect([await depth(), await broker.llen(`${QUEUE}-b`)]).toEqual([130, 20]);
    await expect(page.getByRole('button', { name: /^Delete / }).count()).resolves.toBe(0);
  }, 120_000);

  it('an admin deletes one waiting message from the peek list', async () => {
    const page = await signedIn('admin1');
    await queuePage(page);
    // The first 20 published were moved; the next to run now is the 21st.
    const id = ids[20] ?? '';
    await page.getByRole('button', { name: `Delete ${id}` }).click();
    const dialog = page.getByRole('dialog', { name: `Delete message · ${QUEUE}` });
    await dialog.getByRole('status').filter({ hasText: 'This deletes 1 message' }).waitFor();
    await dialog.getByRole('button', { name: 'Delete message 1' }).click();
    await dialog.getByTestId('action-outcome').filter({ hasText: `Deleted the message of task ${id}` }).waitFor();
    expect(await depth()).toBe(129);
  }, 60_000);
});

describe('read-only mode', () => {
  beforeAll(async () => {
    stack = await startWithUsers({ TRELLIS_READ_ONLY: 'true' });
    await publish(3);
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('an admin sees the queue and its archives, no action, and why', async () => {
    const page = await signedIn('admin1');
    await queuePage(page);
    await expect(page.getByText('Read-only mode (TRELLIS_READ_ONLY): queue actions are off.').isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: /^(Purge|Move)…$/ }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /^Delete / }).count()).resolves.toBe(0);
  }, 60_000);
});
