import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';
import { Collector } from '@/lib/server/collector/collector';
import { LEADER_JOBS } from '@/lib/server/leader-jobs';
import { resourceSamplerJob } from '@/lib/server/workers/resource-sampler';
import { getContext } from '@/lib/server/context';
import type { InspectReply } from '@/lib/server/inspect/inspect';
import { pidboxLoad } from '@/lib/server/inspect/pidbox-call';
import { listWorkers } from '@/lib/server/workers/list-workers';

// What inspect costs the broker under load, against a real Celery worker: replies over one shared
// reply connection, identical concurrent requests as one round, a cap on rounds in flight, unknown
// workers answered 404 without a broadcast, and the worker page reusing its remembered reply.
// Broadcasts are counted by a subscriber on the pidbox channel (every request a worker could read
// passes there; heartbeats do not), connections by INFO clients.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let worker: Worker;
let ctx: ReturnType<typeof testContext>;
let collector: Collector;
let probe: Redis;
let sniffer: Redis;
let broadcasts = 0;
let route: typeof import('@/app/api/v1/workers/[hostname]/inspect/[what]/route');

type ErrorBody = { error: { code: string; message: string } };

async function inspect<T>(hostname: string, what: string, query = '') {
  const res = await route.GET(new Request(`http://localhost/api/v1/workers/${encodeURIComponent(hostname)}/inspect/${what}${query}`), {
    params: Promise.resolve({ hostname, what }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Rounds run by the routes' process-wide context. */
const routeLoad = () => pidboxLoad(getContext());

/** Connections to the broker (CLIENT LIST): all of them, and Trellis' own (named `trellis-*`). */
async function connections() {
  const lines = ((await probe.client('LIST')) as string).split('\n').filter(Boolean);
  return { all: lines.length, trellis: lines.filter((l) => / name=trellis-/.test(l)).length };
}

/** Runs `work` while sampling CLIENT LIST; returns its result, the counts before, the peaks during and the counts after. */
async function withConnectionCount<T>(work: () => Promise<T>) {
  const before = await connections();
  const peak = { ...before };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const now = await connections();
      peak.all = Math.max(peak.all, now.all);
      peak.trellis = Math.max(peak.trellis, now.trellis);
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const result = await work();
  sampling = false;
  await sampler;
  return { result, before, peak, after: await connections() };
}

/** Broadcasts the pidbox subscriber saw while `work` ran (it waits for stragglers in flight). */
async function countBroadcasts<T>(work: () => Promise<T>) {
  const from = broadcasts;
  const result = await work();
  await probe.ping(); // anything published before this reached the subscriber before our pong
  await new Promise((r) => setTimeout(r, 50));
  return { result, broadcasts: broadcasts - from };
}

beforeAll(async () => {
  server = await startRedis();
  const brokerUrl = server.url(0);
  const backendUrl = server.url(1);
  worker = await startWorker({ brokerUrl, backendUrl, name: 'load', queues: ['celery'], pool: 'threads', concurrency: 2 });
  Object.assign(process.env, { CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, TRELLIS_LOG_LEVEL: 'silent', TRELLIS_INSPECT_TIMEOUT: '1' });
  ctx = testContext({ CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, TRELLIS_INSPECT_TIMEOUT: '1' });
  // Without the resource sampler: its own `inspect stats` broadcast (once a minute) is not what these
  // tests count.
  collector = new Collector(ctx, { jobs: LEADER_JOBS.filter((j) => j.name !== resourceSamplerJob.name) });
  await collector.start();
  await waitFor(async () => (await listWorkers(ctx)).some((w) => w.hostname === worker.hostname && w.status === 'online'), 'the worker online in the store');
  probe = new Redis(brokerUrl);
  sniffer = new Redis(brokerUrl);
  await sniffer.subscribe(ctx.celery.pidboxChannel);
  sniffer.on('message', () => (broadcasts += 1));
  route = await import('@/app/api/v1/workers/[hostname]/inspect/[what]/route');
  // Warm up the route module and the process' command connections (a 404 opens no reply connection).
  expect((await inspect<ErrorBody>('warm-up@nowhere', 'ping')).status).toBe(404);
}, 180_000);

afterAll(async () => {
  await collector?.stop();
  await worker?.kill();
  sniffer?.disconnect();
  probe?.disconnect();
  ctx?.close();
  await server?.stop();
});

describe('inspect under load', () => {
  it('answers 100 concurrent requests for unknown workers 404, with no broadcast and no connection', async () => {
    const { result, before, peak, after } = await withConnectionCount(() =>
      countBroadcasts(() => Promise.all(Array.from({ length: 100 }, (_, i) => inspect<ErrorBody>(`nobody-${i}@nowhere`, 'stats')))),
    );
    expect(result.result.map((r) => r.status)).toEqual(Array(100).fill(404));
    for (const r of result.result) expect(r.body.error.code).toBe('NOT_FOUND');
    expect(result.broadcasts).toBe(0);
    expect(await probe.smembers('_kombu.binding.reply.celery.pidbox')).toEqual([]);
    expect(peak).toEqual(before);
    expect(after).toEqual(before);
  });

  it('serves 100 concurrent requests for a known worker over one reply connection, coalesced', async () => {
    const commands = ['ping', 'stats', 'active_queues', 'registered', 'active'];
    const { result, before, peak, after } = await withConnectionCount(() =>
      countBroadcasts(() => Promise.all(Array.from({ length: 100 }, (_, i) => inspect<InspectReply>(worker.hostname, commands[i % commands.length] ?? 'ping')))),
    );
    expect(result.result.map((r) => r.status)).toEqual(Array(100).fill(200));
    for (const r of result.result) expect(r.body).toMatchObject({ hostname: worker.hostname, status: 'ok' });
    // Five distinct requests: identical ones in flight at the same time share a round.
    expect(result.broadcasts).toBeGreaterThanOrEqual(commands.length);
    expect(result.broadcasts).toBeLessThanOrEqual(2 * commands.length);
    // Trellis: the one reply connection, opened by the first call and shared by all. The worker opens
    // its own connections to reply (kombu's producer pool) the first time it answers.
    expect(peak.trellis - before.trellis).toBeLessThanOrEqual(1);
    expect(after.trellis).toBe(peak.trellis); // kept for the next requests (closed after 30 s idle)
    expect(peak.all - before.all).toBeLessThanOrEqual(4);
    console.info(`100 concurrent inspect requests: ${result.broadcasts} broadcasts; connections ${JSON.stringify(before)} before, ${JSON.stringify(peak)} at peak`);
    expect(routeLoad().peakInFlight).toBeLessThanOrEqual(8);
    // The shared binding goes when the last call ends; no reply list is left.
    expect(await probe.smembers('_kombu.binding.reply.celery.pidbox')).toEqual([]);
    expect((await probe.scan('0', 'MATCH', '*.reply.celery.pidbox*', 'COUNT', 1000))[1]).toEqual([]);
  });

  it('caps distinct rounds in flight; the excess is refused with a 503 before publishing', async () => {
    const { result, broadcasts: published } = await countBroadcasts(() =>
      Promise.all(Array.from({ length: 100 }, (_, i) => inspect<InspectReply | ErrorBody>(worker.hostname, 'query_task', `?ids=missing-${i}`))),
    );
    const ok = result.filter((r) => r.status === 200);
    const refused = result.filter((r) => r.status === 503);
    expect(ok.length + refused.length).toBe(100);
    expect(ok.length).toBeGreaterThanOrEqual(8 + 32); // the running and the waiting ones
    for (const r of ok) expect(r.body).toMatchObject({ status: 'ok', reply: {} });
    for (const r of refused) expect((r.body as ErrorBody).error.code).toBe('UNAVAILABLE');
    expect(published).toBe(ok.length); // one round per accepted request, none for the refused
    expect(routeLoad()).toEqual({ inFlight: 0, waiting: 0, peakInFlight: 8 });
  });

  it('the worker page reuses its remembered reply across refreshes and asks again on "Refresh"', async () => {
    const { workerInspection, MAX_AGE_S } = await import('@/lib/server/inspect/worker-inspection');
    const first = await countBroadcasts(() => workerInspection(ctx, worker.hostname, 'registered', {}));
    expect(first.broadcasts).toBe(1);
    expect(first.result).toMatchObject({ status: 'ok', ageSeconds: expect.any(Number) });
    // Ten live refreshes: the same reply, older, no round.
    const refreshes = await countBroadcasts(async () => {
      const out = [];
      for (let i = 0; i < 10; i++) out.push(await workerInspection(ctx, worker.hostname, 'registered', {}));
      return out;
    });
    expect(refreshes.broadcasts).toBe(0);
    for (const r of refreshes.result) expect(r.at).toBe(first.result.at);
    expect(refreshes.result.at(-1)?.ageSeconds).toBeLessThan(MAX_AGE_S);
    // "Refresh" replaces the reply the operator saw: one round; the page's next live refresh reuses the new one.
    const clicked = await countBroadcasts(() => workerInspection(ctx, worker.hostname, 'registered', {}, { replacing: first.result.at }));
    expect(clicked.broadcasts).toBe(1);
    expect(clicked.result.at).toBeGreaterThan(first.result.at);
    const after = await countBroadcasts(() => workerInspection(ctx, worker.hostname, 'registered', {}, { replacing: first.result.at }));
    expect(after.broadcasts).toBe(0);
    expect(after.result.at).toBe(clicked.result.at);
    // A time in the future names no reply: no round.
    expect((await countBroadcasts(() => workerInspection(ctx, worker.hostname, 'registered', {}, { replacing: Date.now() / 1000 + 3600 }))).broadcasts).toBe(0);
  });
});
