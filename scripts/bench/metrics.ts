// `npm run bench:metrics` — GET /metrics render benchmark (not a test). Starts its own redis-server
// and fills a store as a cluster of BENCH_QUEUES queues (default 1,000), BENCH_WORKERS workers
// (200) and BENCH_NAMES task names (500) leaves it: worker documents, the queue snapshot (4
// priority bands, consumers, rates), and cumulative totals written by the collector's own Totals
// from real task lifecycles (each name runs on 4 workers; some fail, some retry), capped at
// TRELLIS_METRICS_TASK_NAMES (default 100). Then renders /metrics BENCH_RUNS times (default 50):
// duration p50/p95/max, exposition size and series, and the store commands per render (INFO
// commandstats). Loopback only; bounded in count and time.
import Redis from 'ioredis';
import { encodeCollectorStats } from '../../lib/server/collector/collector-stats';
import { loadLabelCap, Totals } from '../../lib/server/collector/totals';
import { loadConfig } from '../../lib/server/config';
import { createContext, type TrellisContext } from '../../lib/server/context';
import { readMetricsState } from '../../lib/server/metrics/read-state';
import { renderMetrics, renderState } from '../../lib/server/metrics/render-metrics';
import type { StoredSnapshot } from '../../lib/server/queues/snapshot-store';
import type { QueueView } from '../../lib/server/queues/types';
import { execOrThrow, unfencedBatch } from '../../lib/server/store/write-batch';
import { deriveTask } from '../../lib/server/tasks/derive';
import type { StoredEvent } from '../../lib/server/tasks/stored-event';
import { appendEvents } from '../../lib/server/tasks/task-doc';
import { newWorkerDoc } from '../../lib/server/workers/worker-doc';
import { startRedis } from '../../tests/support/redis-server';

const QUEUES = Number(process.env.BENCH_QUEUES ?? 1_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 200);
const NAMES = Number(process.env.BENCH_NAMES ?? 500);
const RUNS = Math.min(500, Number(process.env.BENCH_RUNS ?? 50));
const TASKS_PER_NAME_WORKER = 5;
const WORKERS_PER_NAME = 4;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const host = (i: number) => `w${i % WORKERS}@bench`;
const queueOf = (nameIndex: number) => `q${nameIndex % QUEUES}`;

function lifecycle(id: string, name: string, queue: string, worker: string, t: number, outcome: 'ok' | 'fail' | 'retry'): StoredEvent[] {
  const ev = (type: string, at: number, extra: Record<string, unknown> = {}): StoredEvent => ({ type, timestamp: at, lr: at, hostname: worker, ...extra });
  const events = [
    ev('task-sent', t, { name, queue, routing_key: queue, hostname: 'web1@bench' }),
    ev('task-received', t + 0.05, { name, retries: outcome === 'retry' ? 1 : 0 }),
    ev('task-started', t + 0.06 + (t % 3)),
  ];
  if (outcome === 'retry') events.push(ev('task-retried', t + 0.5, { exception: "IOError('flaky')" }));
  events.push(outcome === 'ok' ? ev('task-succeeded', t + 1, { runtime: 0.001 * (1 + (t % 5000)) }) : ev('task-failed', t + 1, { exception: "ValueError('bad')", runtime: 0.2 }));
  return events;
}

/** Totals as the collector writes them: flushes of real lifecycles through Totals and the cap. */
async function seedTotals(ctx: TrellisContext): Promise<number> {
  let tasks = 0;
  const now = Date.now() / 1000 - 3600;
  for (let n = 0; n < NAMES; n++) {
    const cap = await loadLabelCap(ctx);
    const totals = new Totals(cap);
    for (let k = 0; k < WORKERS_PER_NAME; k++) {
      for (let j = 0; j < TASKS_PER_NAME_WORKER; j++) {
        const id = `t-${n}-${k}-${j}`;
        const outcome = j === 0 && n % 7 === 0 ? 'fail' : j === 1 && n % 5 === 0 ? 'retry' : 'ok';
        const events = lifecycle(id, `app.tasks.task_${n}`, queueOf(n), host(n * WORKERS_PER_NAME + k), now + tasks, outcome);
        const task = deriveTask(id, appendEvents({ e: [] }, events));
        for (const e of events) totals.add(e, task);
        tasks++;
      }
    }
    const batch = unfencedBatch(ctx.store);
    totals.write(batch, ctx.keys);
    await execOrThrow(batch);
  }
  return tasks;
}

function queueView(i: number, now: number): QueueView {
  const depth = i % 10 === 0 ? 500 + i : i % 3;
  return {
    name: `q${i}`,
    depth,
    bands: [0, 3, 6, 9].map((step) => ({ step, depth: step === 0 ? depth : 0 })),
    consumers: Array.from({ length: 1 + (i % 4) }, (_, k) => host(i + k)),
    busyConsumers: [],
    unacked: i % 5,
    scheduled: i % 11 === 0 ? 3 : 0,
    reserved: i % 2,
    rates: { inPerSecond: 2, outPerSecond: 3, windowSeconds: 60, lowerBound: false, at: now },
    drainSeconds: depth === 0 ? 0 : depth,
    oldestAgeSeconds: depth === 0 ? null : 30 + (i % 600),
    oldestAgeSource: depth === 0 ? null : 'sent',
    sources: ['worker', 'binding'],
    stale: false,
    firstSeen: now - 86_400,
    lastNonEmpty: now,
    lastConsumer: now,
  };
}

async function seedState(ctx: TrellisContext): Promise<void> {
  const now = Date.now() / 1000;
  const workers = Object.fromEntries(
    Array.from({ length: WORKERS }, (_, i) => {
      const doc = { ...newWorkerDoc(host(i), now), pid: 1000 + i, freq: 2, lastHeartbeat: now, active: i % 4, processed: 1000 * i, onlineSince: now - 3600 };
      return [doc.hostname, JSON.stringify(doc)];
    }),
  );
  const snapshot: StoredSnapshot = { sampledAt: now, views: Array.from({ length: QUEUES }, (_, i) => queueView(i, now)), unacked: { total: 2_000, scanned: 2_000, capped: false, unmapped: 0, overdue: 0 }, noReply: [] };
  const alerts = Object.fromEntries(
    Array.from({ length: 50 }, (_, i) => [`rule-${i % 10}|q${i}`, JSON.stringify({ state: i % 3 === 0 ? 'pending' : 'firing', ruleId: `rule-${i % 10}`, severity: i % 2 ? 'warning' : 'critical' })]),
  );
  const batch = unfencedBatch(ctx.store)
    .hset(ctx.keys.workers, workers)
    .set(ctx.keys.queueSnapshot, JSON.stringify(snapshot))
    .hset(ctx.keys.alertsActive, alerts)
    .hset(ctx.keys.collectorStats, encodeCollectorStats({ holder: 'bench', aliveAt: now, eventsPerSecond: 120, lagP50: 0.02, lagP99: 0.3, eventsTotal: 1e6, malformedTotal: 3, backlogBytes: 0, backlogMessages: 0 }))
    .set(ctx.keys.lease, 'bench');
  for (let i = 0; i < 20; i++) batch.lpush(ctx.keys.gaps, JSON.stringify({ start: now - 1000 * i - 10, end: now - 1000 * i, reason: 'bench' }));
  await execOrThrow(batch);
}

const commandsProcessed = async (redis: Redis) => Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1]);

async function main(): Promise<void> {
  const server = await startRedis();
  const url = server.url(0);
  const store = new Redis(url);
  const admin = new Redis(url);
  const ctx = createContext(loadConfig({ CELERY_BROKER_URL: url, TRELLIS_LOG_LEVEL: 'silent', ...(process.env.TRELLIS_METRICS_TASK_NAMES ? { TRELLIS_METRICS_TASK_NAMES: process.env.TRELLIS_METRICS_TASK_NAMES } : {}) }), {
    store,
    broker: store,
    backend: store,
  });
  try {
    const t0 = performance.now();
    const tasks = await seedTotals(ctx);
    await seedState(ctx);
    const fields = await store.hlen(ctx.keys.totals);
    console.log(`seeded ${QUEUES} queues, ${WORKERS} workers, ${NAMES} task names (${tasks} task lifecycles → ${fields} totals fields, cap ${ctx.config.metrics.taskNames} names) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    await renderMetrics(ctx); // warm-up (JIT)
    const times: number[] = [];
    const reads: number[] = [];
    const builds: number[] = [];
    let body = '';
    let encoded = 0;
    const encoder = new TextEncoder();
    const c0 = await commandsProcessed(admin);
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      body = (await renderMetrics(ctx)).body;
      encoded = encoder.encode(body).length; // the bytes the route sends (flattens the text)
      times.push(performance.now() - s);
    }
    const cpu = process.cpuUsage(cpu0);
    const c1 = await commandsProcessed(admin);
    // The same two halves timed apart: the store read, and building the text from what was read.
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      const state = await readMetricsState(ctx);
      const m = performance.now();
      encoder.encode(renderState(ctx.config.metrics.families, state).body);
      reads.push(m - s);
      builds.push(performance.now() - m);
    }
    const series = body.split('\n').filter((l) => l && !l.startsWith('#')).length;
    const commands = (c1 - c0 - 1) / RUNS; // the first INFO is counted by the second
    const ms = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms`;
    console.log(`/metrics render (${RUNS} runs): ${ms(times)}, max ${Math.max(...times).toFixed(1)} ms; CPU of this process ${((cpu.user + cpu.system) / 1000 / RUNS).toFixed(1)} ms per render`);
    console.log(`  store read ${ms(reads)}; building and encoding the text ${ms(builds)}`);
    console.log(`exposition ${(encoded / 1024).toFixed(0)} KiB, ${series} samples; ${commands.toFixed(1)} store commands per render in 2 round trips (one pipeline + the queue snapshot GET)`);
  } finally {
    store.disconnect();
    admin.disconnect();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
