import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '@/lib/server/collector/collector';
import { runDriver, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';
import { waitForIncident, waitForResolved, writeAlertsFile } from '../support/alerts';
import { readQueueSnapshot } from '@/lib/server/queues/snapshot-store';

/** On a timeout, what the evaluator saw of the queue (the failure message then explains itself). */
async function explain<T>(p: Promise<T>, queue: string): Promise<T> {
  return p.catch(async (err: Error) => {
    const s = await readQueueSnapshot(ctx);
    const q = s?.views.find((v) => v.name === queue);
    const workers = await ctx.store.hgetall(ctx.keys.workers);
    throw new Error(`${err.message}; ${queue}: ${JSON.stringify({ sampledAt: s?.sampledAt, now: Date.now() / 1000, q, workers: Object.values(workers).map((w) => JSON.parse(w) as { hostname: string; active: number | null }).map((w) => [w.hostname, w.active]), stats: await ctx.store.hgetall(ctx.keys.workerStats).then((x) => Object.keys(x)), status: await ctx.store.get(ctx.keys.alertsStatus) })}`);
  });
}

// Issue 9's rules that need a cluster of their own (they judge the whole event stream, or need
// minutes of history shortened to seconds): events silent, collector gap, memory growth, queue
// growing, worker load skew — each fired by real workers and resolved when the cause is gone.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let ctx: ReturnType<typeof testContext>;
let collector: Collector;
const workers: Worker[] = [];
const driver = (args: string[], timeoutMs?: number) => runDriver(args, { brokerUrl: server.url(0), backendUrl: server.url(1), timeoutMs });
const start = async (name: string, opts: Partial<Parameters<typeof startWorker>[0]> = {}) => {
  const w = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name, concurrency: 1, ...opts });
  workers.push(w);
  return w;
};

beforeAll(async () => {
  server = await startRedis();
  const file = writeAlertsFile({
    rules: [
      { id: 'events-silent', threshold: 8 },
      { id: 'collector-gap', window: 6 },
      { id: 'worker-memory-growth', threshold: 20, window: 30 },
      { id: 'queue-growing', window: 12 },
      { id: 'worker-load-skew', for: 0 },
    ],
  });
  ctx = testContext({ CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_ALERTS_FILE: file, TRELLIS_SAMPLE_INTERVAL: '1',
    // The sampler learns new queues once a minute; a configured queue has its rates from the start.
    TRELLIS_QUEUES: 'grow' });
  collector = new Collector(ctx, { alertIntervalMs: 500, resourceSampleMs: 1_000 });
  await collector.start();
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
  await collector?.stop();
  ctx?.close();
  await server?.stop();
});

describe('alert rules of a whole cluster', () => {
  it('events silent: a worker runs tasks without task events (no -E) while heartbeats arrive', async () => {
    const quiet = await start('quiet', { queues: ['quiet'], taskEvents: false, env: { CELERY_EXTRA_CONF: JSON.stringify({ worker_send_task_events: false }) } });
    await driver(['trickle', 'quiet', '1', '20', '1.5']).catch(() => undefined);
    const silent = await waitForIncident(ctx, 'events-silent', ['firing'], () => true, 30_000);
    expect(silent.summary).toMatch(/task events are off/);
    expect(silent.details.busyWorkers).toContain(quiet.hostname);
    await quiet.stop();
    await waitForResolved(ctx, 'events-silent', () => true, 30_000);
  }, 120_000);

  it('collector gap: the broker drops the event subscriber; the gap fires and resolves after its window', async () => {
    await start('gap', { queues: ['celery'] });
    await waitFor(async () => (await ctx.store.hlen(ctx.keys.workers)) >= 2, 'heartbeats');
    const admin = ctx.broker.duplicate();
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    admin.disconnect();
    const gap = await waitForIncident(ctx, 'collector-gap', ['firing'], () => true, 20_000);
    expect(gap.details.reason).toBeTruthy();
    await waitForResolved(ctx, 'collector-gap', () => true, 30_000);
  }, 60_000);

  it('memory growth: a worker that keeps memory (maxrss up 20 % in the window) fires, and resolves once it stops growing', async () => {
    const solo = await start('leaky', { queues: ['leaky'], pool: 'solo' });
    await waitFor(async () => (await ctx.store.hexists(ctx.keys.workerStats, solo.hostname)) === 1, 'a resource sample', 20_000);
    for (let i = 0; i < 3; i++) {
      await driver(['hog', '40', 'leaky']);
      await new Promise((r) => setTimeout(r, 2_000));
    }
    const grown = await waitForIncident(ctx, 'worker-memory-growth', ['firing'], (i) => i.labels.worker === solo.hostname, 60_000);
    expect(grown.value).toBeGreaterThanOrEqual(20);
    await waitForResolved(ctx, 'worker-memory-growth', (i) => i.labels.worker === solo.hostname, 90_000);
  }, 200_000);

  it('queue growing: tasks arrive faster than the busy workers finish them', async () => {
    await start('grower', { queues: ['grow'] });
    const trickle = driver(['trickle', 'grow', '4', '30', '0.5'], 60_000);
    const growing = await explain(waitForIncident(ctx, 'queue-growing', ['firing'], (i) => i.labels.queue === 'grow', 45_000), 'grow');
    expect(Number(growing.details.to)).toBeGreaterThan(Number(growing.details.from));
    await trickle;
    await waitForResolved(ctx, 'queue-growing', (i) => i.labels.queue === 'grow', 60_000);
  }, 150_000);

  it('load skew: one consumer saturated with prefetched work while another consumer of the queue idles', async () => {
    const busy = await start('hoarder', { queues: ['skew'] });
    await driver(['trickle', 'skew', '10', '0.35', '20']);
    await waitFor(async () => (await ctx.store.hexists(ctx.keys.workerStats, busy.hostname)) === 1, 'a resource sample', 20_000);
    const idle = await start('idler', { queues: ['skew'] });
    const skew = await explain(waitForIncident(ctx, 'worker-load-skew', ['firing'], (i) => i.labels.queue === 'skew', 40_000), 'skew');
    expect(skew.details).toMatchObject({ saturated: busy.hostname, idle: idle.hostname });
    // Resolved once no work waits (the prefetched tasks started), as the next workers' view shows.
    await waitForResolved(ctx, 'worker-load-skew', (i) => i.labels.queue === 'skew', 120_000);
  }, 240_000);
});
