import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runDriver } from '../support/celery';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { startStack, type Stack } from './stack';

// Revoke and terminate in Debian's Chromium against a real cluster (two prefork workers): the task
// page's Terminate with its signal, the confirmation's preview and each worker's reply, the task's
// history; the task list's bulk selection and "all matching this filter"; no buttons on a final task;
// axe on the list with the bar and on the open dialog.

let stack: Stack;
let browser: Browser;
let page: Page;

const QUEUE = 'held-ui';
const Ids = z.object({ ids: z.array(z.string()) });
/** A task still waiting after the bulk test (its page offers the actions). */
let waitingId = '';

beforeAll(async () => {
  stack = await startStack();
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const go = (path: string) => page.goto(`${stack.baseUrl}${path}`, { waitUntil: 'networkidle' });

/** The task's state as the API serves it, polled until `want` (bounded). */
async function stateBecomes(id: string, want: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${stack.baseUrl}/api/v1/tasks/${id}`);
    if (res.ok && z.object({ state: z.string() }).parse(await res.json()).state === want) return;
    if (Date.now() > end) throw new Error(`task ${id} never ${want}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('task actions', () => {
  it('terminates a running task from its page with SIGKILL, shows each worker’s reply and the history', async () => {
    const id = Ids.parse(await runDriver(['sleepers', '1', '60'], { brokerUrl: stack.brokerUrl, backendUrl: stack.backendUrl })).ids[0] ?? '';
    await stateBecomes(id, 'STARTED');
    await go(`/tasks/${id}`);
    await page.getByRole('group', { name: 'Task actions' }).getByRole('button', { name: 'Terminate…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Terminate this task' });
    await dialog.getByTestId('action-preview').waitFor();
    expect(await dialog.getByTestId('action-preview').innerText()).toMatch(/1 task selected/);
    await dialog.getByLabel('Signal').selectOption('KILL');
    await dialog.getByRole('button', { name: 'Terminate 1 task' }).click();
    const outcome = dialog.getByTestId('action-outcome');
    await outcome.waitFor({ timeout: 20_000 });
    expect(await outcome.innerText()).toMatch(/1 requested/);
    // Both workers answered; the one running it says so.
    expect(await outcome.locator('tr[data-worker]').count()).toBe(2);
    expect(await outcome.innerText()).toContain(`terminate: ${id}`);
    await dialog.getByRole('button', { name: 'Close' }).click();

    await stateBecomes(id, 'REVOKED');
    await go(`/tasks/${id}`);
    const note = page.getByRole('region', { name: 'Operator actions' }).locator('li[data-action="terminate-requested"]');
    expect(await note.innerText()).toMatch(/Terminate requested[\s\S]*by anonymous[\s\S]*signal SIGKILL/);
    // Final now: no action offered.
    expect(await page.getByRole('group', { name: 'Task actions' }).count()).toBe(0);
  });

  it('bulk-revokes selected waiting tasks from the list, then counts all matching the filter', async () => {
    const ids = Ids.parse(await runDriver(['queue-only', QUEUE, '3'], { brokerUrl: stack.brokerUrl, backendUrl: stack.backendUrl })).ids;
    for (const id of ids) await stateBecomes(id, 'PENDING');
    await go(`/tasks?queue=${QUEUE}`);
    const bar = page.getByRole('form', { name: 'Bulk actions' });
    const [a, b, c] = ids as [string, string, string];
    waitingId = c;
    await page.getByRole('checkbox', { name: new RegExp(a) }).check();
    await page.getByRole('checkbox', { name: new RegExp(b) }).check();
    await expect(bar.getByRole('status').first().innerText()).resolves.toBe('2 selected');

    await bar.getByRole('button', { name: 'Revoke…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke tasks' });
    await dialog.getByTestId('action-preview').waitFor();
    const preview = await dialog.getByTestId('action-preview').innerText();
    expect(preview).toMatch(/2 tasks selected/);
    expect(preview).toMatch(/2 waiting in a queue/);
    await dialog.getByRole('button', { name: 'Revoke 2 tasks' }).click();
    await dialog.getByTestId('action-outcome').waitFor({ timeout: 20_000 });
    expect(await dialog.getByTestId('action-outcome').innerText()).toMatch(/2 requested, 2 removed from their queue/);
    await dialog.getByRole('button', { name: 'Close' }).click();

    await go(`/tasks?queue=${QUEUE}`);
    await bar.getByRole('button', { name: 'Select all matching this filter' }).click();
    await expect(bar.getByRole('status').first().innerText()).resolves.toBe('All 3 matching this filter');
    await bar.getByRole('button', { name: 'Revoke…' }).click();
    await page.getByRole('dialog', { name: 'Revoke tasks' }).getByTestId('action-preview').waitFor();
    expect(await page.getByRole('dialog', { name: 'Revoke tasks' }).getByTestId('action-preview').innerText()).toMatch(/3 tasks selected/);

    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `dialog ${v.id}: ${v.help}`)).toEqual([]);
    await page.getByRole('dialog', { name: 'Revoke tasks' }).getByRole('button', { name: 'Cancel' }).click();
  });

  it('axe finds no serious or critical violations on the list with the bulk bar and on task pages with and without actions, light and dark', async () => {
    expect(waitingId).not.toBe('');
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const path of [`/tasks?queue=${QUEUE}`, `/tasks/${waitingId}`, `/tasks/${stack.workload.failure}`]) {
        await go(path);
        const results = await new AxeBuilder({ page }).analyze();
        found.push(...results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${scheme} ${path} ${v.id}: ${v.nodes.length} × ${v.help}`));
      }
    }
    expect(found).toEqual([]);
  });
});
