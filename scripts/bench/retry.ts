// `npm run bench:retry` — retry of BENCH_TASKS failed tasks (default 10,000) by filter (not a test).
// A fresh redis-server: store (db 2), broker (db 0) and result backend (db 1) on their own
// connections. The failed tasks are written through the collector's own writer; half of them also
// have an extended result in the backend (args from there), the other half are retried from their
// args repr. Measures the dry run (count, sample, preview) and the retry of the previewed set, and
// counts the Redis round trips of each: every socket write of the three connections (a pipeline
// is one write). Checks that exactly BENCH_TASKS messages were published. Loopback, bounded.
import { randomUUID } from 'node:crypto';
import { retryTasks } from '../../lib/server/actions/retry-tasks';
import type { RetryPreview, RetryResult } from '../../lib/schemas/responses/retry';
import { loadConfig } from '../../lib/server/config';
import { createContext } from '../../lib/server/context';
import type { StoredEvent } from '../../lib/server/tasks/stored-event';
import { startRedis } from '../../tests/support/redis-server';
import { counted } from './counted-redis';
import { loadSyntheticTasks } from './synthetic-tasks';

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const NAME = 'bench.charge';

function failedTask(i: number, t0: number): [string, StoredEvent[]] {
  const id = randomUUID();
  const ts = t0 + i * 0.001;
  const args = `(${i}, 'card-${i}', {'amount': ${i * 3}, 'currency': 'EUR'})`;
  return [
    id,
    [
      { type: 'task-sent', timestamp: ts, lr: ts + 0.001, hostname: 'gen@bench', clock: 1, name: NAME, args, kwargs: "{'retry': True}", root_id: id, retries: 0, queue: 'payments', exchange: '', routing_key: 'payments' },
      { type: 'task-received', timestamp: ts + 0.002, lr: ts + 0.003, hostname: 'w1@bench', clock: 2, name: NAME, args, kwargs: "{'retry': True}", root_id: id, retries: 0 },
      { type: 'task-failed', timestamp: ts + 0.01, lr: ts + 0.011, hostname: 'w1@bench', clock: 3, exception: "ValueError('declined')", traceback: 'Traceback (most recent call last):\nValueError: declined\n' },
    ],
  ];
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const [store, broker, backend] = [counted(redis.url(2)), counted(redis.url(0)), counted(redis.url(1))];
  const config = loadConfig({ CELERY_BROKER_URL: redis.url(0), CELERY_RESULT_BACKEND: redis.url(1), TRELLIS_STORE_URL: redis.url(2), TRELLIS_LOG_LEVEL: 'warn' });
  const ctx = createContext(config, { store: store.client, broker: broker.client, backend: backend.client });
  const principal = { id: 'user:bench', kind: 'user' as const, name: 'bench', role: 'operator' as const };
  try {
    const loadS = await loadSyntheticTasks(ctx, TASKS, 2_000, failedTask);
    // Half the tasks with an extended result, as a worker with result_extended writes it.
    const ids = (await retryTasks(ctx, principal, null, { filter: { name: NAME, state: ['FAILURE'] }, dryRun: true }).then(async (p) => {
      const prev = p as RetryPreview;
      return JSON.parse((await store.client.get(ctx.keys.actionPreview(prev.previewId))) ?? '{"ids":[]}') as { ids: string[] };
    })).ids;
    const pipe = backend.client.pipeline();
    ids.forEach((id, i) => {
      if (i % 2 === 0) pipe.set(ctx.results.taskMetaKey(id), JSON.stringify({ status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['declined'], exc_module: 'builtins' }, traceback: null, children: [], date_done: new Date().toISOString(), task_id: id, name: NAME, args: [i, `card-${i}`, { amount: i * 3, currency: 'EUR' }], kwargs: { retry: true }, worker: 'w1@bench', retries: 0, queue: 'payments' }));
    });
    await pipe.exec();
    console.log(`loaded ${ids.length} failed tasks in ${loadS.toFixed(1)} s (${Math.ceil(ids.length / 2)} with an extended result)`);

    const trips = () => store.writes() + broker.writes() + backend.writes();
    let before = trips();
    let t = performance.now();
    const dry = (await retryTasks(ctx, principal, null, { filter: { name: NAME, state: ['FAILURE'] }, dryRun: true })) as RetryPreview;
    const dryMs = performance.now() - t;
    const dryTrips = trips() - before;

    before = trips();
    t = performance.now();
    const done = (await retryTasks(ctx, principal, null, { previewId: dry.previewId, dryRun: false })) as RetryResult;
    const retryMs = performance.now() - t;
    const retryTrips = trips() - before;

    before = trips();
    t = performance.now();
    const byFilter = (await retryTasks(ctx, principal, null, { filter: { name: NAME, state: ['FAILURE'] }, dryRun: false })) as RetryResult;
    const filterMs = performance.now() - t;
    const filterTrips = trips() - before;

    const published = (await Promise.all(ctx.celery.queueBandKeys('payments').map((b) => broker.client.llen(b.key)))).reduce((a, b) => a + b, 0);
    const sources = done.retried.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.argsSource]: (acc[r.argsSource] ?? 0) + 1 }), {});
    console.log('\n| step | tasks | time | Redis round trips |\n|---|---|---|---|');
    console.log(`| dry run by filter (count, sample, preview) | ${dry.count} | ${(dryMs / 1000).toFixed(2)} s | ${dryTrips} |`);
    console.log(`| retry of the previewed set | ${done.count} | ${(retryMs / 1000).toFixed(2)} s | ${retryTrips} (the retry's own count: ${done.roundTrips}) |`);
    console.log(`| retry by filter, no preview | ${byFilter.count} | ${(filterMs / 1000).toFixed(2)} s | ${filterTrips} |`);
    console.log(`\nargs from: ${JSON.stringify(sources)}; skipped: ${done.skipped.length + byFilter.skipped.length}; messages in the queue: ${published}`);
    if (published !== done.count + byFilter.count || done.count !== TASKS) throw new Error('published count does not match');
    if (retryMs > 10_000 || filterMs > 10_000) throw new Error('over the 10 s budget');
  } finally {
    for (const c of [store, broker, backend]) c.client.disconnect();
    await redis.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
