// Screenshots of every page, light and dark, into docs/screenshots/ (shown in the README).
// Needs a running Trellis (default http://localhost:3000, e.g. from `npm run demo`):
//   node --import tsx scripts/screenshots.ts [baseUrl]
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/browser/chromium';

const base = process.argv[2] ?? 'http://localhost:3000';
const OUT = 'docs/screenshots';

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: scheme });
      const failed = await page.request.get(`${base}/api/v1/tasks?state=FAILURE&limit=50`).then((r) => r.json() as Promise<{ items: Array<{ id: string; retries: number }> }>);
      const retried = failed.items.find((t) => t.retries > 0) ?? failed.items[0];
      const workers = await page.request.get(`${base}/api/v1/workers`).then((r) => r.json() as Promise<{ items: Array<{ hostname: string }> }>);
      const shots: Array<[string, string]> = [
        ['overview', '/'],
        ['tasks', '/tasks?state=FAILURE&state=SUCCESS&state=RETRY'],
        ['workers', '/workers'],
        ['queues', '/queues'],
        ['queue-detail', '/queues/slow'],
        ['alerts', '/alerts'],
        ['alerts-rules', '/alerts?tab=rules'],
      ];
      if (retried) shots.push(['task-detail', `/tasks/${retried.id}`]);
      if (workers.items[0]) shots.push(['worker-detail', `/workers/${encodeURIComponent(workers.items[0].hostname)}`]);
      for (const [name, path] of shots) {
        await page.goto(`${base}${path}`, { waitUntil: 'networkidle' });
        await page.waitForTimeout(500);
        await page.screenshot({ path: `${OUT}/${name}-${scheme}.png`, fullPage: name !== 'tasks' && name !== 'alerts-rules' });
        console.log(`${OUT}/${name}-${scheme}.png`);
      }
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
