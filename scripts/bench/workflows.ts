// `npm run bench:workflows` — GET /api/v1/workflows/{rootId} for a workflow of BENCH_TASKS tasks
// (default 1,000: a chain of one task and a group of 1,000, run by real Celery workers), not a test.
// A fresh redis-server (broker/backend db 0, store db 2), two prefork workers of examples/celery_app
// and Trellis' collector in this process. Once every task is stored and final, the collector stops
// and `readWorkflow` (what the route calls) runs BENCH_RUNS times (default 200) on fresh
// connections whose socket writes are counted (≈ round trips). Prints p50/p95/max; exits 1 when
// p95 ≥ 200 ms or the workflow is not whole. Loopback only, bounded in count and time.
import { Collector } from '../../lib/server/collector/collector';
import { loadConfig } from '../../lib/server/config';
import { createContext } from '../../lib/server/context';
import { readWorkflow } from '../../lib/server/workflows/read-workflow';
import { runDriver, startWorker } from '../../tests/support/celery';
import { startRedis } from '../../tests/support/redis-server';
import { counted } from './counted-redis';
import { testContext, waitFor } from '../../tests/support/trellis';

const TASKS = Number(process.env.BENCH_TASKS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);

const pct = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<number> {
  const redis = await startRedis();
  const env = { CELERY_BROKER_URL: redis.url(0), TRELLIS_STORE_URL: redis.url(2), TRELLIS_LOG_LEVEL: 'warn' };
  const loading = testContext(env);
  const collector = new Collector(loading);
  await collector.start();
  const workers = await Promise.all(['bw1', 'bw2'].map((name) => startWorker({ brokerUrl: redis.url(0), name, concurrency: 2 })));
  try {
    const t0 = Date.now();
    const out = (await runDriver(['workflow-big', String(TASKS)], { brokerUrl: redis.url(0), timeoutMs: 180_000 })) as { root: string };
    await waitFor(async () => {
      const w = await readWorkflow(loading, out.root);
      return w.tasks.length === TASKS + 1 && w.state.status === 'succeeded';
    }, 'every task stored and final', 60_000);
    console.log(`workflow of ${TASKS + 1} tasks run and collected in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await collector.stop();

    const [store, backend] = [counted(redis.url(2)), counted(redis.url(0))];
    const ctx = createContext(loadConfig(env), { store: store.client, broker: backend.client, backend: backend.client });
    const first = await readWorkflow(ctx, out.root); // connects both clients
    const before = store.writes() + backend.writes();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      await readWorkflow(ctx, out.root);
      times.push(performance.now() - s);
    }
    const trips = (store.writes() + backend.writes() - before) / RUNS;
    times.sort((a, b) => a - b);
    const g = first.groups[0];
    console.log(`tasks ${first.tasks.length}, groups ${first.groups.length} (${g?.kind ?? '-'} ${g?.done ?? 0}/${g?.size ?? 0}), edges ${first.edges.length}, state ${first.state.status}`);
    console.log(`readWorkflow × ${RUNS}: p50 ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms, max ${pct(times, 100).toFixed(1)} ms; ${trips.toFixed(1)} round trips per read`);
    store.client.disconnect();
    backend.client.disconnect();
    const whole = first.tasks.length === TASKS + 1 && g?.size === TASKS && g.done === TASKS;
    return whole && pct(times, 95) < 200 ? 0 : 1;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    loading.close();
    await redis.stop();
  }
}

void main().then((code) => process.exit(code), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
