import AxeBuilder from '@axe-core/playwright';
import Redis from 'ioredis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runDriver } from '../support/celery';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { startStack, type Stack } from './stack';

// The operator's UI in Debian's Chromium against a real cluster.

let stack: Stack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await startStack();
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  // Let the collector store the workload's last events.
  await page.waitForTimeout(1_500);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const go = (path: string) => page.goto(`${stack.baseUrl}${path}`, { waitUntil: 'networkidle' });

async function axe(): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.length} × ${v.help} (${v.nodes[0]?.html.slice(0, 120) ?? ''})`);
}

describe('pages render real data', () => {
  it('overview: workers, tiles and charts', async () => {
    await go('/');
    for (const w of stack.workers) await expect(page.getByRole('link', { name: w.hostname }).first().isVisible()).resolves.toBe(true);
    await expect(page.getByText('Workers online').isVisible()).resolves.toBe(true);
    await expect(page.getByText('2/2').isVisible()).resolves.toBe(true);
    await expect(page.locator('.recharts-surface').count()).resolves.toBeGreaterThanOrEqual(2);
    await expect(page.getByRole('link', { name: 'tasks.retry_then_fail' }).isVisible()).resolves.toBe(true);
  });

  it('tasks: the workload is listed', async () => {
    await go('/tasks');
    const rows = page.locator('[data-task-id]');
    expect(await rows.count()).toBeGreaterThanOrEqual(16);
    await expect(page.locator(`[data-task-id="${stack.workload.failure}"]`).isVisible()).resolves.toBe(true);
  });

  it('workers: both online, with detail pages', async () => {
    await go('/workers');
    expect(await page.getByText('online', { exact: true }).count()).toBe(2);
    await go(`/workers/${encodeURIComponent(stack.workers[0]?.hostname ?? '')}`);
    await expect(page.getByRole('heading', { name: stack.workers[0]?.hostname }).isVisible()).resolves.toBe(true);
    await expect(page.getByText('Recent tasks').isVisible()).resolves.toBe(true);
    // Live inspection through the pidbox: registered tasks of a real worker.
    await go(`/workers/${encodeURIComponent(stack.workers[0]?.hostname ?? '')}?tab=registered`);
    await expect(page.locator('[data-testid="inspect-reply"]').innerText()).resolves.toContain('tasks.retry_then_fail');
    // The reply shows its age; live refreshes reuse it, Refresh asks the worker again.
    const panel = page.getByRole('region', { name: 'Inspect' });
    await expect(panel.getByText(/as of/).isVisible()).resolves.toBe(true);
    await panel.getByRole('link', { name: 'Refresh' }).click();
    await page.waitForURL(/refresh=/);
    await expect(page.locator('[data-testid="inspect-reply"]').innerText()).resolves.toContain('tasks.retry_then_fail');
  });

  it('a task that failed after retries shows every attempt', async () => {
    await go(`/tasks/${stack.workload.retry_fail}`);
    const attempts = page.locator('[data-testid="attempt"]');
    expect(await attempts.count()).toBe(3);
    const headers = await attempts.locator('header').allInnerTexts();
    const events = await page.getByRole('list', { name: 'Events' }).innerText();
    expect([headers, events].join('\n')).toMatch(/Attempt 3\s+failed/);
    await expect(attempts.nth(0).getByText('retried').isVisible()).resolves.toBe(true);
    await expect(attempts.nth(2).getByText('failed').isVisible()).resolves.toBe(true);
    await expect(attempts.nth(2).getByText(/gave up after 2 retries/).first().isVisible()).resolves.toBe(true);
    await attempts.nth(2).locator('summary').click();
    await expect(attempts.nth(2).locator('pre').isVisible()).resolves.toBe(true);
  });

  it('a chain shows its workflow tree', async () => {
    await go(`/tasks/${stack.workload.chain[2]}`);
    const tree = page.getByRole('list', { name: 'Workflow tree' });
    for (const id of stack.workload.chain) await expect(tree.locator(`a[href="/tasks/${id}"]`).count()).resolves.toBe(1);
  });
});

describe('queues', () => {
  /** The queue list as the API serves it (the collecting process's measurement), polled until `ok` (bounded). */
  async function listedWhen(ok: (queues: Array<Record<string, unknown>>) => boolean, what: string, timeoutMs = 45_000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const { items: queues } = z.object({ items: z.array(z.looseObject({ name: z.string() })) }).parse(await (await fetch(`${stack.baseUrl}/api/v1/queues`)).json());
      if (ok(queues)) return;
      await page.waitForTimeout(500);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('lists a queue nobody consumes with its depth and a no-consumers badge, and peeks into it', async () => {
    await runDriver(['queue-only', 'orphan', '3'], { brokerUrl: stack.brokerUrl, backendUrl: stack.backendUrl });
    // Found by the next discovery pass, measured by the next sample (seconds on this small broker).
    await listedWhen((qs) => qs.some((q) => q.name === 'orphan' && q.depth === 3), 'orphan measured');
    await go('/queues');
    const row = page.locator('[data-queue="orphan"]');
    await row.waitFor();
    await expect(row.getByText('no consumers').isVisible()).resolves.toBe(true);
    // Nothing consumes or publishes to 'orphan' now, so the page, Redis and the API see one depth.
    const shown = Number((await row.locator('td').nth(1).innerText()).replace(/\D/g, ''));
    const broker = new Redis(stack.brokerUrl);
    const bands = await broker
      .multi()
      .llen('orphan')
      .llen('orphan\x06\x163')
      .llen('orphan\x06\x166')
      .llen('orphan\x06\x169')
      .exec()
      .finally(() => broker.disconnect());
    const llen = (bands ?? []).reduce((sum, [err, n]) => sum + (err ? NaN : Number(n)), 0);
    const api = z.object({ items: z.array(z.object({ name: z.string(), depth: z.number() })) }).parse(await (await fetch(`${stack.baseUrl}/api/v1/queues`)).json());
    expect([shown, api.items.find((q) => q.name === 'orphan')?.depth]).toEqual([llen, llen]);
    expect(llen).toBe(3);
    await expect(page.getByRole('region', { name: 'Broker health' }).isVisible()).resolves.toBe(true);
    await go('/queues/orphan');
    expect(await page.locator('[data-testid="peek-table"] tbody tr').count()).toBe(3);
    await expect(page.getByText('tasks.add').first().isVisible()).resolves.toBe(true);
  });

  it('shows tasks a worker holds for their ETA as unacked and scheduled, as HLEN and inspect say', async () => {
    await runDriver(['held', 'fast', '2'], { brokerUrl: stack.brokerUrl, backendUrl: stack.backendUrl });
    const broker = new Redis(stack.brokerUrl);
    try {
      // b1 consumes 'fast': it takes both and holds them (delivered, not acked) until their ETA.
      const end = Date.now() + 15_000;
      const heldForFast = async () => Object.values(await broker.hgetall('unacked')).filter((v) => JSON.parse(v)[2] === 'fast').length;
      while ((await heldForFast()) < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
      // The collecting process refreshes the list's unacked counts and workers' view every 30 s.
      await listedWhen((qs) => qs.some((q) => q.name === 'fast' && q.unacked === 2 && q.scheduled === 2), 'fast measured with its held tasks');
      await go('/queues');
      const cells = page.locator('[data-queue="fast"] td');
      await cells.first().waitFor();
      const [unacked, scheduled] = [Number(await cells.nth(5).innerText()), Number(await cells.nth(7).innerText())];
      const api = z.object({ items: z.array(z.object({ name: z.string(), unacked: z.number(), scheduled: z.number() })) }).parse(await (await fetch(`${stack.baseUrl}/api/v1/queues`)).json());
      const fast = api.items.find((q) => q.name === 'fast');
      const hlen = await broker.hlen('unacked');
      expect({ unacked, scheduled, held: await heldForFast() }).toEqual({ unacked: 2, scheduled: 2, held: 2 });
      expect([fast?.unacked, fast?.scheduled]).toEqual([2, 2]);
      expect(hlen).toBeGreaterThanOrEqual(2); // every entry of the cluster-wide hash is counted somewhere
    } finally {
      broker.disconnect();
    }
  });

  it('an unknown queue is the not-found page, not the error page', async () => {
    // The status is already sent (200) when the streamed page finds out; the content says it.
    await go('/queues/no-such-queue-anywhere');
    await expect(page.getByRole('heading', { name: 'Not found' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('heading', { name: 'This page could not load' }).count()).resolves.toBe(0);
  });
});

describe('live and URL state', () => {
  it('a new task appears on the tasks page without a reload', async () => {
    await go('/tasks');
    await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));
    const { ids } = z.object({ ids: z.array(z.string()) }).parse(await runDriver(['burst', '1', '--wait'], { brokerUrl: stack.brokerUrl, backendUrl: stack.backendUrl }));
    await page.locator(`[data-task-id="${ids[0]}"]`).waitFor({ timeout: 10_000 });
    // Same document: it was a live update, not a navigation.
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42);
    await expect(page.locator('[data-live-mode="live"]').count()).resolves.toBe(1);
  });

  it('filters round-trip through the URL', async () => {
    await go('/tasks');
    await page.getByLabel('FAILURE').check();
    await page.getByLabel('Task name').selectOption('tasks.fail');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/state=FAILURE/);
    const url = new URL(page.url());
    expect(url.searchParams.getAll('state')).toEqual(['FAILURE']);
    expect(url.searchParams.get('name')).toBe('tasks.fail');
    await page.reload({ waitUntil: 'networkidle' });
    await expect(page.getByLabel('FAILURE').isChecked()).resolves.toBe(true);
    await expect(page.getByLabel('Task name').inputValue()).resolves.toBe('tasks.fail');
    const ids = await page.locator('[data-task-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-task-id')));
    expect(ids).toEqual([stack.workload.failure]);
  });
});

describe('accessibility and themes', () => {
  it('axe finds no serious or critical violations, light and dark', async () => {
    const paths = ['/', '/tasks', '/queues', '/queues/orphan', `/tasks/${stack.workload.retry_fail}`, '/workers', `/workers/${encodeURIComponent(stack.workers[0]?.hostname ?? '')}`];
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.evaluate(() => localStorage.removeItem('trellis-theme'));
      for (const p of paths) {
        await go(p);
        expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(scheme === 'dark');
        found.push(...(await axe()).map((v) => `${scheme} ${p}: ${v}`));
      }
    }
    expect(found).toEqual([]);
  });

  it('the theme toggle switches and remembers', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await go('/');
    await page.getByRole('button', { name: 'Switch to dark mode' }).click();
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    await page.reload({ waitUntil: 'networkidle' });
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    await page.evaluate(() => localStorage.removeItem('trellis-theme'));
  });
});
