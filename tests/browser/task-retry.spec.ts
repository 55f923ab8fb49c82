import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runDriver, startWorker, type Worker } from '../support/celery';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { startStack, type Stack } from './stack';

// Retry from the task page in Debian's Chromium against a real cluster (issue 11.2): confirm, the
// new task runs with the same args, "Retried as" / "Retry of" link the two; a task whose args repr
// was truncated (its worker stores no extended result) gets the argument editor, and the entered
// arguments are what the new task runs with.

let stack: Stack;
let plain: Worker;
let browser: Browser;
let page: Page;
let truncatedId: string;

beforeAll(async () => {
  stack = await startStack();
  plain = await startWorker({ brokerUrl: stack.brokerUrl, backendUrl: stack.backendUrl, name: 'b3', queues: ['plain'], pool: 'solo', env: { CELERY_EXTRA_CONF: JSON.stringify({ result_extended: false }) } });
  const out = z.object({ ids: z.array(z.string()) }).parse(await runDriver(['fail-to', 'plain', '1500', '1', '--wait'], { brokerUrl: stack.brokerUrl, backendUrl: stack.backendUrl }));
  truncatedId = out.ids[0] ?? '';
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.waitForTimeout(1_500); // the collector stores the last events
});

afterAll(async () => {
  await browser?.close();
  await plain?.stop();
  await stack?.stop();
});

const go = (path: string) => page.goto(`${stack.baseUrl}${path}`, { waitUntil: 'networkidle' });

const TaskApi = z.object({ state: z.string(), args: z.string().nullable(), backend: z.object({ result: z.unknown() }).nullable() });

/** The task through the API once it failed (the retried tasks raise their first argument). */
async function failedTask(id: string): Promise<z.infer<typeof TaskApi>> {
  const end = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${stack.baseUrl}/api/v1/tasks/${id}`);
    if (res.ok) {
      const t = TaskApi.parse(await res.json());
      if (t.state === 'FAILURE' && t.args !== null) return t;
    }
    if (Date.now() > end) throw new Error(`task ${id} did not fail in 30 s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function axe(): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
}

describe('retry from the task page', () => {
  it('confirm, retried as a new task with the same args, linked both ways', async () => {
    const id = stack.workload.failure;
    await go(`/tasks/${id}`);
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    const confirm = page.getByRole('group', { name: 'Confirm retry' });
    await expect(confirm.getByText(/tasks\.fail/).isVisible()).resolves.toBe(true);
    expect(await axe()).toEqual([]);
    await confirm.getByRole('button', { name: 'Confirm retry' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Retried as' });
    await status.waitFor({ timeout: 10_000 });
    const newId = (await status.getByRole('link').innerText()).trim();
    expect(newId).toMatch(/^[0-9a-f-]{36}$/);

    const [before, after] = [await failedTask(id), await failedTask(newId)];
    expect(after.args).toBe(before.args);

    await go(`/tasks/${id}`);
    await expect(page.getByRole('navigation', { name: 'Retry links' }).getByRole('link', { name: newId }).isVisible()).resolves.toBe(true);
    await go(`/tasks/${newId}`);
    const links = page.getByRole('navigation', { name: 'Retry links' });
    await expect(links.getByText('Retry of').isVisible()).resolves.toBe(true);
    await expect(links.getByRole('link', { name: id }).isVisible()).resolves.toBe(true);
  });

  it('a truncated args repr gets the argument editor; the entered arguments run', async () => {
    await go(`/tasks/${truncatedId}`);
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    await page.getByRole('group', { name: 'Confirm retry' }).getByRole('button', { name: 'Confirm retry' }).click();
    const editor = page.getByRole('form', { name: 'Retry with arguments' });
    await editor.waitFor({ timeout: 10_000 });
    await expect(editor.getByText(/truncated/).isVisible()).resolves.toBe(true);
    expect(await axe()).toEqual([]);

    await editor.getByLabel('args (array)').fill('{"not": "an array"}');
    await editor.getByRole('button', { name: 'Retry with these arguments' }).click();
    await expect(editor.getByRole('alert').innerText()).resolves.toMatch(/JSON array/);

    await editor.getByLabel('args (array)').fill('["typed in the browser"]');
    await editor.getByRole('button', { name: 'Retry with these arguments' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Retried as' });
    await status.waitFor({ timeout: 10_000 });
    const newId = (await status.getByRole('link').innerText()).trim();
    const retried = await failedTask(newId);
    expect((retried.backend?.result as { exc_message?: unknown[] } | null)?.exc_message?.[0]).toBe('typed in the browser');
  });

  it('an unfinished task offers no Retry', async () => {
    const out = z.object({ id: z.string() }).parse(await runDriver(['retry-pending'], { brokerUrl: stack.brokerUrl, backendUrl: stack.backendUrl }));
    await page.waitForTimeout(2_000);
    await go(`/tasks/${out.id}`);
    await expect(page.getByRole('button', { name: 'Retry', exact: true }).count()).resolves.toBe(0);
  });
});
