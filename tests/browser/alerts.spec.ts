import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { writeAlertsFile } from '../support/alerts';
import { runDriver } from '../support/celery';
import { startHttpReceiver, type HttpReceiver } from '../support/receivers';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { startStack, type Stack } from './stack';

// The Alerts UI in Debian's Chromium against a real cluster: a queue nobody consumes fires
// queue-no-consumer (for: 0, evaluated every second), and the on-call person sees, acknowledges and
// silences it, tests a channel, and finds the incident on the queue's chart.

let stack: Stack;
let browser: Browser;
let page: Page;
let receiver: HttpReceiver;

const QUEUE = 'unconsumed';

beforeAll(async () => {
  receiver = await startHttpReceiver();
  const alertsFile = writeAlertsFile({
    rules: [{ id: 'queue-no-consumer', for: 0 }],
    channels: [{ id: 'ops-hook', type: 'webhook', url: `${receiver.url}/hook`, secret: 'a-secret-of-sixteen-chars', retries: 0 }],
  });
  stack = await startStack({ env: { TRELLIS_ALERTS_FILE: alertsFile, TRELLIS_ALERTS_INTERVAL: '1' } });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await runDriver(['queue-only', QUEUE, '3'], { brokerUrl: stack.brokerUrl, backendUrl: stack.backendUrl });
  await incidentWhen((i) => i.status === 'firing', 'queue-no-consumer firing');
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await receiver?.close();
});

const go = (path: string) => page.goto(`${stack.baseUrl}${path}`, { waitUntil: 'networkidle' });

const Incident = z.looseObject({ id: z.string(), status: z.string(), labels: z.record(z.string(), z.string()), details: z.record(z.string(), z.unknown()) });

/** This queue's queue-no-consumer incident as the API serves it, polled until `ok` (bounded). */
async function incidentWhen(ok: (i: z.infer<typeof Incident>) => boolean, what: string, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const res = await fetch(`${stack.baseUrl}/api/v1/alerts?rule=queue-no-consumer&queue=${QUEUE}`);
    const { items } = z.object({ items: z.array(Incident) }).parse(await res.json());
    const found = items.find((i) => i.status !== 'resolved' && ok(i));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Reloads `path` until `selector` is there (e.g. the evaluator applies operator writes at its next cycle). */
async function shownAfterReload(path: string, selector: string, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    await go(path);
    if ((await page.locator(selector).count()) > 0) return page.locator(selector).first();
    if (Date.now() > end) throw new Error(`${selector} not shown on ${path}`);
    await page.waitForTimeout(1_000);
  }
}

const card = `article[data-rule="queue-no-consumer"]`;

describe('alerts page', () => {
  it('the header badge counts the firing incident, in red for a critical one', async () => {
    await go('/');
    const badge = page.getByTestId('alerts-badge');
    await badge.waitFor({ timeout: 20_000 });
    expect(Number((await badge.innerText()).replace(/\D.*$/s, ''))).toBeGreaterThanOrEqual(1);
    await expect(badge.getAttribute('data-critical')).resolves.toBe('true');
    await expect(page.getByRole('link', { name: /Alerts \d+ firing/ }).isVisible()).resolves.toBe(true);
  });

  it('lists the firing incident with the numbers that fired it, its subject link and timeline', async () => {
    await go('/alerts');
    const incident = page.locator(card).filter({ hasText: `queue=${QUEUE}` });
    await incident.waitFor();
    await expect(incident.locator('[data-status]').innerText()).resolves.toBe('firing');
    const numbers = await incident.getByTestId('incident-numbers').innerText();
    expect(numbers).toMatch(/depth\s*3/);
    expect(numbers).toMatch(/consumers\s*0/);
    await expect(incident.getByRole('link', { name: `queue=${QUEUE}` }).getAttribute('href')).resolves.toBe(`/queues/${QUEUE}`);
    await incident.locator('summary').click();
    await expect(incident.getByRole('list', { name: /Timeline/ }).innerText()).resolves.toContain('firing');
    // Filters round-trip through the query string.
    await page.getByRole('textbox', { name: 'Queue', exact: true }).fill(QUEUE);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(new RegExp(`queue=${QUEUE}`));
    await expect(page.locator(card).count()).resolves.toBe(1);
  });

  it('acknowledging moves it to Acknowledged, with the note', async () => {
    await go(`/alerts?queue=${QUEUE}`);
    const incident = page.locator(card);
    await incident.getByLabel('Note (optional)').fill('looking at it');
    await incident.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByText('Acknowledged: repeats stop').waitFor();
    const acknowledged = await shownAfterReload(`/alerts?tab=acknowledged&queue=${QUEUE}`, card);
    await expect(acknowledged.innerText()).resolves.toContain('looking at it');
    await go(`/alerts?queue=${QUEUE}`);
    await expect(page.locator(card).count()).resolves.toBe(0);
    expect((await incidentWhen((i) => i.status === 'acknowledged', 'acknowledged')).status).toBe('acknowledged');
  });

  it('"silence like this" prefills a silence; creating it lists it and mutes the incident; ending it expires it', async () => {
    await go(`/alerts?tab=acknowledged&queue=${QUEUE}`);
    await page.locator(card).getByRole('link', { name: 'Silence like this' }).click();
    await page.waitForURL(/tab=silences/);
    await expect(page.getByLabel('Rule (glob)').inputValue()).resolves.toBe('queue-no-consumer');
    await expect(page.getByLabel('Queue (glob)').inputValue()).resolves.toBe(QUEUE);
    await page.getByLabel('Reason').fill('planned: consumer being deployed');
    await page.getByRole('button', { name: 'Create silence' }).click();
    const silence = page.getByRole('list', { name: 'Silences' }).locator('li[data-active="true"]');
    await silence.waitFor();
    await expect(silence.innerText()).resolves.toContain(`rule=queue-no-consumer queue=${QUEUE}`);
    await expect(silence.innerText()).resolves.toContain('planned: consumer being deployed');
    await shownAfterReload(`/alerts?tab=silenced&queue=${QUEUE}`, card);
    await go('/alerts?tab=silences');
    await page.getByRole('list', { name: 'Silences' }).locator('li[data-active="true"]').getByRole('button', { name: 'End now' }).click();
    await page.getByRole('list', { name: 'Silences' }).locator('li[data-active="false"]').waitFor();
  });

  it('rules show their parameters and routing; a channel test reaches the receiver', async () => {
    await go('/alerts?tab=rules');
    const rule = page.locator('tr[data-rule="queue-no-consumer"]');
    await expect(rule.innerText()).resolves.toMatch(/immediately[\s\S]*threshold 1 waiting messages/);
    expect(await page.locator('tr[data-rule]').count()).toBeGreaterThanOrEqual(17);
    const channel = page.locator('li[data-channel="ops-hook"]');
    await expect(channel.innerText()).resolves.toContain(new URL(receiver.url).host);
    expect(await channel.innerText()).not.toContain('/hook');
    const before = receiver.requests.length;
    await channel.getByRole('button', { name: 'Send test to ops-hook' }).click();
    await expect(page.getByTestId('channel-test-ops-hook').filter({ hasText: /Delivered/ }).innerText({ timeout: 15_000 })).resolves.toMatch(/Delivered \(200\), 1 attempt/);
    expect(receiver.requests.length).toBe(before + 1);
  });

  it("the queue's depth chart shades the incident's span", async () => {
    // The chart appears with the queue's first stored samples.
    const chart = await shownAfterReload(`/queues/${QUEUE}`, '[role="img"][aria-label^="Queue depth over time"]', 120_000);
    await expect(chart.getAttribute('data-incident-spans')).resolves.toBe('1');
    await expect(chart.locator('.recharts-reference-area').count()).resolves.toBeGreaterThanOrEqual(1);
    await expect(chart.getAttribute('data-thresholds')).resolves.toBe('1000');
  });

  it("the overview's throughput chart shades the retries-exhausted incident of the workload's failing task", async () => {
    const end = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(`${stack.baseUrl}/api/v1/alerts?rule=task-retries-exhausted`);
      const { items } = z.object({ items: z.array(Incident) }).parse(await res.json());
      if (items.some((i) => i.labels.task === 'tasks.retry_then_fail' && i.status !== 'pending')) break;
      if (Date.now() > end) throw new Error('timed out waiting for task-retries-exhausted');
      await page.waitForTimeout(500);
    }
    await go('/');
    const chart = page.getByRole('img', { name: /Succeeded, failed and retried/ });
    expect(Number(await chart.getAttribute('data-incident-spans'))).toBeGreaterThanOrEqual(1);
    await expect(chart.getAttribute('aria-label')).resolves.toContain('task-retries-exhausted');
    await expect(chart.locator('.recharts-reference-area').count()).resolves.toBeGreaterThanOrEqual(1);
  });

  it('axe finds no serious or critical violations on every Alerts view, light and dark', async () => {
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const tab of ['firing', 'acknowledged', 'resolved', 'rules', 'silences']) {
        await go(`/alerts?tab=${tab}`);
        if ((await page.locator('summary').count()) > 0) await page.locator('summary').first().click();
        const results = await new AxeBuilder({ page }).analyze();
        found.push(...results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${scheme} ${tab} ${v.id}: ${v.nodes.length} × ${v.help} (${v.nodes[0]?.html.slice(0, 120) ?? ''})`));
      }
    }
    expect(found).toEqual([]);
  });
});
