// `npm run bench:tasks-page` — read-path benchmark (not a test): fills a fresh redis-server with
// BENCH_TASKS synthetic finished tasks (default 1,000,000) through the collector's own writer, starts
// the built Trellis (`next build` first), then measures
//   - the API: GET /api/v1/tasks with filters, 50 sequential requests each, p50/p95;
//   - the page end to end in Debian's Chromium: navigation to /tasks?<filters> until the table shows.
// Bounded in count and time; loopback only.
import { spawn } from 'node:child_process';
import Redis from 'ioredis';
import { chromium } from 'playwright-core';
import { loadConfig } from '../../lib/server/config';
import { createContext } from '../../lib/server/context';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../tests/browser/chromium';
import { freePort, startRedis } from '../../tests/support/redis-server';
import { loadSyntheticTasks } from './synthetic-tasks';

const TASKS = Number(process.env.BENCH_TASKS ?? 1_000_000);
const RUNS = 50;

const QUERIES = [
  'limit=50',
  'state=FAILURE&limit=50',
  'name=mail.send&limit=50',
  'worker=w3@bench&state=SUCCESS&limit=50',
  'queue=slow&name=orders.process&state=FAILURE&limit=50',
  'q=refund&limit=50',
];

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

async function main(): Promise<void> {
  const redis = await startRedis();
  const url = redis.url(0);
  const client = new Redis(url);
  const ctx = createContext(loadConfig({ CELERY_BROKER_URL: url, TRELLIS_RETENTION_MAX_TASKS: String(TASKS * 2) }), { store: client, broker: client, backend: client });
  console.log(`loading ${TASKS} tasks…`);
  const loadS = await loadSyntheticTasks(ctx, TASKS);
  const mem = Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
  console.log(`loaded in ${loadS.toFixed(1)} s (${(TASKS / loadS).toFixed(0)} tasks/s), store ${(mem / 2 ** 20).toFixed(0)} MiB`);

  const port = await freePort();
  const server = spawn('npx', ['next', 'start', '-p', String(port)], {
    env: { ...process.env, CELERY_BROKER_URL: url, TRELLIS_RETENTION_MAX_TASKS: String(TASKS * 2), TRELLIS_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
    detached: true,
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (await fetch(`${base}/api/v1/health`).then((r) => r.ok, () => false)) break;
      if (i > 200) throw new Error('Trellis did not start (run `npx next build` first)');
      await new Promise((r) => setTimeout(r, 300));
    }
    console.log('\n| query | API p50 | API p95 | items | page end to end (median of 5) |\n|---|---|---|---|---|');
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    const page = await (await browser.newContext()).newPage();
    for (const q of QUERIES) {
      const times: number[] = [];
      let items = 0;
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        const body = (await (await fetch(`${base}/api/v1/tasks?${q}`)).json()) as { items: unknown[] };
        times.push(performance.now() - t);
        items = body.items.length;
      }
      const pageTimes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await page.goto(`${base}/tasks?${q.replace('&limit=50', '').replace('limit=50', '')}`, { waitUntil: 'domcontentloaded' });
        await page.locator('[data-testid="task-table"]').or(page.getByText('No task matches')).first().waitFor();
        pageTimes.push(performance.now() - t);
      }
      console.log(`| \`${q}\` | ${pct(times, 0.5).toFixed(1)} ms | ${pct(times, 0.95).toFixed(1)} ms | ${items} | ${pct(pageTimes, 0.5).toFixed(0)} ms |`);
    }
    await browser.close();
  } finally {
    if (server.pid) process.kill(-server.pid, 'SIGTERM');
    client.disconnect();
    await redis.stop();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
