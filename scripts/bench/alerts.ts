// `npm run bench:alerts` — alert evaluation benchmark (not a test). Starts its own redis-server and
// seeds the store as a large cluster leaves it: 1,000 queues (the collector's stored snapshot; each
// consumed by 2–4 of 200 workers, 5 % over the backlog threshold, a few without consumers), 200
// worker records (5 lost) with two hours of resource samples each, 500 task names with 16 minutes of
// per-minute counters, 200 STARTED tasks (some running for an hour). Then runs the evaluator's
// cycle (every default rule) BENCH_CYCLES times — before each, a new queue snapshot and new counts in
// this minute's counters, as a live cluster changes them between cycles — and reports the cycle
// time (p50/p95/max) and the store requests per cycle (socket writes: a pipeline is one).
// Loopback only; bounded.
import { randomUUID } from 'node:crypto';
import { AlertEvaluator } from '../../lib/server/alerts/alert-job';
import { alertsConfig } from '../../lib/server/alerts/alerts-config';
import { Fence } from '../../lib/server/collector/fence';
import { encodeCollectorStats } from '../../lib/server/collector/collector-stats';
import type { QueueView } from '../../lib/server/queues/types';
import { toRef } from '../../lib/server/store/task-ref';
import { serializeTaskDoc } from '../../lib/server/tasks/task-doc';
import { newWorkerDoc } from '../../lib/server/workers/worker-doc';
import { startRedis } from '../../tests/support/redis-server';
import { testContext } from '../../tests/support/trellis';

const QUEUES = Number(process.env.BENCH_QUEUES ?? 1_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 200);
const NAMES = Number(process.env.BENCH_NAMES ?? 500);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 30);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

/** What changes between two cycles in a live cluster: a new queue snapshot (the sampler) and this minute's counters (the collector). */
async function tick(ctx: ReturnType<typeof testContext>, snapshot: string, now: number) {
  const fields: Record<string, string> = {};
  for (let n = 0; n < NAMES; n += 7) fields[`succeeded|app.tasks.task_${n}`] = String(40 + Math.floor(now) % 10);
  await ctx.store.pipeline().set(ctx.keys.queueSnapshot, snapshot.replace(/"sampledAt":[0-9.]+/, `"sampledAt":${now}`)).hset(ctx.keys.minute(Math.floor(now / 60)), fields).exec();
}

async function seed(ctx: ReturnType<typeof testContext>, now: number) {
  const k = ctx.keys;
  const hosts = Array.from({ length: WORKERS }, (_, i) => `w${i}@bench`);
  const views: QueueView[] = Array.from({ length: QUEUES }, (_, i) => {
    const consumers = i % 97 === 0 ? [] : Array.from({ length: 2 + (i % 3) }, (_, j) => hosts[(i * 7 + j * 13) % WORKERS] ?? 'w0@bench');
    const depth = i % 20 === 0 ? 5_000 + i : i % 5;
    return {
      name: `q${i}`, depth, bands: [{ step: 0, depth }], consumers, busyConsumers: [], unacked: i % 3, scheduled: i % 2, reserved: i % 4,
      rates: { inPerSecond: 1, outPerSecond: consumers.length ? 1 + (i % 7) : 0, windowSeconds: 60, lowerBound: false, at: now },
      drainSeconds: null, oldestAgeSeconds: depth ? 30 + (i % 900) : null, oldestAgeSource: 'sent', sources: ['worker'], stale: false,
      firstSeen: now - 86_400, lastNonEmpty: now, lastConsumer: now,
    };
  });
  const pipe = ctx.store.pipeline();
  pipe.set(k.queueSnapshot, JSON.stringify({ sampledAt: now, views, unacked: { total: 100, scanned: 100, capped: false, unmapped: 0, overdue: 0 }, noReply: [] }));
  pipe.hset(k.workers, Object.fromEntries(hosts.map((h, i) => [h, JSON.stringify({ ...newWorkerDoc(h, i < 5 ? now - 60 : now - 1), pid: 100 + i, freq: 2, active: i % 5, onlineSince: now - 3600 })])));
  pipe.hset(k.workerStats, Object.fromEntries(hosts.map((h, i) => [h, JSON.stringify({ concurrency: 4, samples: Array.from({ length: 120 }, (_, s) => [now - 7200 + s * 60, 100_000 + (i % 10 === 0 ? s * 2_000 : 0)]) })])));
  pipe.hset(k.collectorStats, encodeCollectorStats({ holder: 'bench', aliveAt: now, lastEventAt: now, eventsPerSecond: 100 }));
  for (let m = Math.floor(now / 60) - 15; m <= Math.floor(now / 60); m++) {
    const fields: Record<string, string> = {};
    for (let n = 0; n < NAMES; n++) {
      const name = `app.tasks.task_${n}`;
      fields[`sent|${name}`] = '40';
      fields[`received|${name}`] = '40';
      fields[`started|${name}`] = '40';
      fields[`succeeded|${name}`] = String(n % 50 === 0 ? 20 : 39);
      fields[`failed|${name}`] = String(n % 50 === 0 ? 20 : 1);
      fields[`rt:${10 + (n % 5)}|${name}`] = '39';
      if (n % 100 === 0) fields[`exhausted|${name}`] = '1';
    }
    pipe.hset(k.minute(m), fields);
  }
  for (let t = 0; t < 200; t++) {
    const id = randomUUID();
    const started = now - (t < 20 ? 3600 : 5);
    const doc = { e: [{ type: 'task-received', name: `app.tasks.task_${t % NAMES}`, timestamp: started - 1, lr: started - 1, hostname: hosts[t % WORKERS] }, { type: 'task-started', timestamp: started, lr: started, hostname: hosts[t % WORKERS] }] };
    pipe.set(k.task(id), serializeTaskDoc(doc, id));
    pipe.zadd(k.index('state', 'STARTED'), started - 1, toRef(id));
  }
  await pipe.exec();
}

async function main() {
  const server = await startRedis();
  const ctx = testContext({ CELERY_BROKER_URL: server.url(0), TRELLIS_LOG_LEVEL: 'silent' });
  const now = Date.now() / 1000;
  console.log(`seeding ${QUEUES} queues, ${WORKERS} workers, ${NAMES} task names…`);
  await seed(ctx, now);
  const token = randomUUID();
  await ctx.store.set(ctx.keys.lease, token);
  const cfg = { ...alertsConfig(ctx.config), rules: alertsConfig(ctx.config).rules.map((r) => ({ ...r, for: 0 })) };
  const evaluator = new AlertEvaluator({ ctx, fence: new Fence(ctx.store, ctx.keys, token) }, cfg);

  // Count store requests: each socket write is one (a pipeline or a script is written at once).
  await ctx.store.ping();
  const stream = (ctx.store as unknown as { stream: { write: (...a: unknown[]) => boolean } }).stream;
  const write = stream.write.bind(stream);
  let writes = 0;
  stream.write = (...a: unknown[]) => {
    writes += 1;
    return write(...a);
  };

  const first = await evaluator.cycle(Date.now() / 1000);
  console.log(`first cycle: ${first.status.durationMs} ms, ${writes} store requests, ${first.output.upserts.length} incidents opened (${first.status.firing} firing)`);
  const times: number[] = [];
  const requests: number[] = [];
  const snapshot = (await ctx.store.get(ctx.keys.queueSnapshot)) ?? '';
  for (let i = 0; i < CYCLES; i++) {
    await tick(ctx, snapshot, Date.now() / 1000);
    writes = 0;
    const t0 = performance.now();
    const { status } = await evaluator.cycle(Date.now() / 1000);
    times.push(performance.now() - t0);
    requests.push(writes);
    if (i === CYCLES - 1) console.log(`steady state: ${status.active} active incidents, ${status.firing} firing, errors: ${status.errors.length}; last cycle ${JSON.stringify(status.phasesMs)}, ${status.written} written, slowest rules ${JSON.stringify(status.slowest)}`);
  }
  const f = (x: number) => x.toFixed(1);
  console.log(`cycle (every default rule, ${QUEUES} queues / ${WORKERS} workers / ${NAMES} names), ${CYCLES} cycles: p50 ${f(pct(times, 50))} ms, p95 ${f(pct(times, 95))} ms, max ${f(Math.max(...times))} ms`);
  console.log(`store requests per cycle: min ${Math.min(...requests)}, max ${Math.max(...requests)}`);
  ctx.close();
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
