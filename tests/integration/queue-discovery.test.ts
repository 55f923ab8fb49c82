import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDriver } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { getRoute } from '../support/routes';
import { spawnCollector, testContext, waitFor } from '../support/trellis';
import type { QueueListBody } from '@/lib/schemas/responses/queues';
import type { QueueDetail } from '@/lib/server/queues/types';

// Queue discovery at production scale and queue reads that cost the broker nothing, on a real
// Redis: a broker DB with 1,000,000 unrelated keys (DEBUG POPULATE) and a queue with waiting
// messages and no consumer, found by a real collecting process (scripts/collector.ts); 100
// concurrent list requests read the stored snapshot (no SCAN, no LLEN/LRANGE on the broker);
// discovery resumes where it stopped; stale queue bookkeeping goes after 7 days.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let redis: Redis;
let routes: {
  queues: typeof import('@/app/api/v1/queues/route');
  queue: typeof import('@/app/api/v1/queues/[name]/route');
};

const KOMBU_SEP = '\x06\x16';

const get = getRoute;

/** Calls of each command so far (INFO commandstats), server-wide. */
async function commandCalls(r: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await r.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1] ?? '', Number(m[2]));
  return out;
}

beforeAll(async () => {
  server = await startRedis({ args: ['--enable-debug-command', 'yes'] });
  redis = new Redis(server.url(0));
  Object.assign(process.env, { CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_LOG_LEVEL: 'silent', TRELLIS_INSPECT_TIMEOUT: '0.5' });
  routes = { queues: await import('@/app/api/v1/queues/route'), queue: await import('@/app/api/v1/queues/[name]/route') };
}, 60_000);

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

describe('a queue with waiting messages and no consumer among 1,000,000 keys', () => {
  it('is listed with its exact depth within 2 minutes; 100 concurrent lists then cost the broker no SCAN, LLEN or LRANGE', async () => {
    await redis.call('DEBUG', 'POPULATE', '1000000', 'junk');
    await runDriver(['queue-only', 'lonely', '7'], { brokerUrl: server.url(0), backendUrl: server.url(1) });
    expect(await redis.dbsize()).toBeGreaterThan(1_000_000);

    // No collector yet: nothing measured, said so (no broker scan per request instead).
    const before = await get<QueueListBody>(routes.queues.GET, '/api/v1/queues');
    expect(before.body).toMatchObject({ items: [], nextCursor: null, sampledAt: null, discovery: { status: 'incomplete', lastFullPassAt: null } });
    expect((await get<unknown>(routes.queue.GET, '/api/v1/queues/lonely', { name: 'lonely' })).status).toBe(503);

    const started = Date.now();
    const collector = spawnCollector({ CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_LOG_LEVEL: 'warn', TRELLIS_INSPECT_TIMEOUT: '0.5' });
    try {
      const listed = await waitFor(async () => {
        const { body } = await get<QueueListBody>(routes.queues.GET, '/api/v1/queues');
        return body.items.find((q) => q.name === 'lonely' && q.depth === 7) ? body : null;
      }, 'lonely listed with depth 7', 120_000);
      const foundSeconds = (Date.now() - started) / 1000;
      const lonely = listed.items.find((q) => q.name === 'lonely');
      expect(lonely).toMatchObject({ depth: await redis.llen('lonely'), consumers: [] });
      expect(lonely?.sources).toContain('binding');
      expect(listed.sampledAt).toBeGreaterThan(started / 1000);
      const complete = await waitFor(async () => {
        const { body } = await get<QueueListBody>(routes.queues.GET, '/api/v1/queues');
        return body.discovery.status === 'complete' ? body.discovery : null;
      }, 'a full discovery pass', 120_000);
      const scanStats = /^cmdstat_scan:calls=(\d+),usec=(\d+)/m.exec(await redis.info('commandstats'));
      console.log(`[queue-discovery] 1,000,000 keys: lonely listed after ${foundSeconds.toFixed(1)} s; full pass ${complete.lastPassSeconds?.toFixed(1)} s; SCAN calls ${scanStats?.[1]}, Redis time in SCAN ${Number(scanStats?.[2]) / 1000} ms`);
      expect(foundSeconds).toBeLessThan(120);
      expect(complete.lastPassSeconds).toBeLessThan(60);
    } finally {
      collector.kill('SIGTERM');
      await new Promise((r) => collector.once('exit', r));
    }

    // The collector stopped: whatever the broker runs now is the requests' doing.
    const callsBefore = await commandCalls(redis);
    const lists = await Promise.all(Array.from({ length: 100 }, () => get<QueueListBody>(routes.queues.GET, '/api/v1/queues')));
    const callsAfter = await commandCalls(redis);
    const delta = (c: string) => (callsAfter.get(c) ?? 0) - (callsBefore.get(c) ?? 0);
    expect(lists.every((l) => l.status === 200 && l.body.items.some((q) => q.name === 'lonely' && q.depth === 7))).toBe(true);
    expect({ scan: delta('scan'), llen: delta('llen'), lrange: delta('lrange'), hscan: delta('hscan'), sscan: delta('sscan') }).toEqual({ scan: 0, llen: 0, lrange: 0, hscan: 0, sscan: 0 });
    // Coalesced: far fewer store reads than requests.
    expect(delta('get')).toBeLessThan(10);
    const detail = await get<QueueDetail>(routes.queue.GET, '/api/v1/queues/lonely', { name: 'lonely' });
    expect(detail.body).toMatchObject({ name: 'lonely', depth: 7, discovery: { status: 'complete' } });
    expect(detail.body.sampledAt).toBeGreaterThan(started / 1000);
  }, 300_000);
});

describe('discovery steps', () => {
  it('resumes from the stored cursor in a new process, says incomplete until the pass ends, drops bindings gone', async () => {
    const url = server.url(2);
    const r = new Redis(url);
    const ctx = testContext({ CELERY_BROKER_URL: url });
    const other = testContext({ CELERY_BROKER_URL: url });
    try {
      await r.call('DEBUG', 'POPULATE', '30000', 'junk');
      await r.sadd('_kombu.binding.resume-q', ['resume-q', '', 'resume-q'].join(KOMBU_SEP));
      await r.sadd('_kombu.binding.gone-q', ['gone-q', '', 'gone-q'].join(KOMBU_SEP));
      const { startQueueDiscovery, SCAN_COUNT, CALLS_PER_STEP } = await import('@/lib/server/queues/discovery-scan');
      const { readDiscoveryStatus } = await import('@/lib/server/queues/discovery-status');
      const { readBindings } = await import('@/lib/server/queues/bindings');

      const first = startQueueDiscovery(ctx, { autostart: false });
      expect(await first.step()).toBe(false);
      await first.stop();
      const midway = await readDiscoveryStatus(ctx);
      expect(midway).toMatchObject({ status: 'incomplete', lastFullPassAt: null });
      expect(midway.passProgress).toBeCloseTo((SCAN_COUNT * CALLS_PER_STEP) / 30_002, 5);
      const cursor = await r.hget(ctx.keys.queueDiscovery, 'cursor');
      expect(cursor).not.toBe('0');

      // Another process (a new leader) goes on from there, not from 0.
      const second = startQueueDiscovery(other, { autostart: false });
      expect(await second.step()).toBe(false);
      expect(Number(await r.hget(ctx.keys.queueDiscovery, 'examined'))).toBe(2 * SCAN_COUNT * CALLS_PER_STEP);
      let steps = 2;
      while (!(await second.step())) steps += 1;
      // ~30,000 keys at 10,000 per step: a restart from 0 would take more steps.
      expect(steps).toBeLessThanOrEqual(5);
      const done = await readDiscoveryStatus(other);
      expect(done).toMatchObject({ status: 'complete', passStartedAt: null, passProgress: null });
      expect([...(await readBindings(other)).queues].sort()).toEqual(['gone-q', 'resume-q']);

      // A binding no later pass finds is dropped when that pass ends.
      await r.del('_kombu.binding.gone-q');
      while (!(await second.step()));
      await second.stop();
      expect([...(await readBindings(other)).queues]).toEqual(['resume-q']);
    } finally {
      ctx.close();
      other.close();
      r.disconnect();
    }
  });
});

describe('big binding sets', () => {
  it('reads every member of a set beyond one SSCAN page (a fanout to 3,000 queues)', async () => {
    const url = server.url(5);
    const r = new Redis(url);
    const ctx = testContext({ CELERY_BROKER_URL: url });
    try {
      const members = Array.from({ length: 3_000 }, (_, i) => ['', '', `fan-${i}`].join(KOMBU_SEP));
      await r.sadd('_kombu.binding.fanout-x', ...members);
      const { startQueueDiscovery } = await import('@/lib/server/queues/discovery-scan');
      const { readBindings } = await import('@/lib/server/queues/bindings');
      const discovery = startQueueDiscovery(ctx, { autostart: false });
      while (!(await discovery.step()));
      await discovery.stop();
      const bindings = await readBindings(ctx);
      expect(bindings.queues.size).toBe(3_000);
      expect(bindings.routes.lookup('fanout-x', 'any').length).toBe(3_000);
    } finally {
      ctx.close();
      r.disconnect();
    }
  });
});

describe('stale queue bookkeeping', () => {
  it('removes the bookkeeping and series of a queue unseen for 7 days; keeps a recent one and one still bound', async () => {
    const url = server.url(3);
    const r = new Redis(url);
    const ctx = testContext({ CELERY_BROKER_URL: url, TRELLIS_INSPECT_TIMEOUT: '0.3' });
    try {
      const day = 86_400;
      const now = Date.now() / 1000;
      const meta = (lastNonEmpty: number) => JSON.stringify({ firstSeen: now - 30 * day, lastNonEmpty, lastConsumer: null, head: null, rates: null, sampledAt: now });
      await r.hset(ctx.keys.queueMeta, { 'old-q': meta(now - 8 * day), 'recent-q': meta(now - 6 * day), 'old-bound': meta(now - 8 * day) });
      for (const q of ['old-q', 'recent-q', 'old-bound']) {
        await r.zadd(ctx.keys.queueSeries(q, 'raw'), now, `${now},0,0,0`);
        await r.zadd(ctx.keys.queueSeries(q, 'minute'), now, `${now},0,0,0,0`);
      }
      await r.sadd('_kombu.binding.old-bound', ['old-bound', '', 'old-bound'].join(KOMBU_SEP));
      const { startQueueDiscovery } = await import('@/lib/server/queues/discovery-scan');
      const { startQueueSampler } = await import('@/lib/server/queues/sampler');
      const discovery = startQueueDiscovery(ctx, { autostart: false });
      while (!(await discovery.step()));
      await discovery.stop();

      const sampler = startQueueSampler(ctx, { autostart: false });
      await sampler.refresh(); // the leader-job step that sweeps
      await sampler.sampleOnce();
      await sampler.stop();
      const fields = await r.hkeys(ctx.keys.queueMeta);
      expect(fields.sort()).toEqual(['old-bound', 'recent-q']);
      const exists = async (q: string) => r.exists(ctx.keys.queueSeries(q, 'raw'), ctx.keys.queueSeries(q, 'minute'));
      expect([await exists('old-q'), await exists('recent-q'), await exists('old-bound')]).toEqual([0, 2, 2]);
    } finally {
      ctx.close();
      r.disconnect();
    }
  });
});

describe('peek bounded in bytes', () => {
  const message = (id: string, pad: number) =>
    JSON.stringify({ body: Buffer.from(JSON.stringify([[1], {}, {}])).toString('base64'), 'content-encoding': 'utf-8', 'content-type': 'application/json', headers: { id, task: 'tasks.add', lang: 'py', argsrepr: '(1,)', pad: 'x'.repeat(pad) }, properties: { delivery_tag: id, priority: 0, body_encoding: 'base64', delivery_info: { exchange: '', routing_key: 'big' } } });

  async function peekBig(url: string) {
    const ctx = testContext({ CELERY_BROKER_URL: url });
    try {
      const { peekMessages } = await import('@/lib/server/queues/peek');
      return await peekMessages(ctx, 'big', 0, 20);
    } finally {
      ctx.close();
    }
  }

  it('sends a message over 256 KiB, or past 2 MiB for the page, as its size alone (script, and plain reads when scripting is refused)', async () => {
    const r = new Redis(server.url(4));
    try {
      // Next to run first: a 3 MB message, then nine of ~250 KB (eight fit the page's 2 MiB), then a small one.
      await r.rpush('big', message('small', 0), ...Array.from({ length: 9 }, (_, i) => message(`m${8 - i}`, 250_000)), message('huge', 3_000_000));
      await r.call('ACL', 'SETUSER', 'noscript', 'on', '>pw', '~*', '&*', '+@all', '-@scripting');
      for (const url of [server.url(4), `redis://noscript:pw@127.0.0.1:${server.port}/4`]) {
        const page = await peekBig(url);
        expect(page.depth).toBe(11);
        const [huge, ...rest] = page.items;
        expect(huge).toMatchObject({ position: 0, id: null, undecodable: expect.stringMatching(/^not shown: 3000\d+ bytes, over the 256 KiB peek bound per message/) });
        expect(rest.slice(0, 8).map((m) => [m.id, m.undecodable])).toEqual(Array.from({ length: 8 }, (_, i) => [`m${i}`, null]));
        expect(rest[8]).toMatchObject({ id: null, undecodable: expect.stringMatching(/past the 2 MiB peek bound per page/) });
        // A small one still fits what the page has left.
        expect(rest[9]).toMatchObject({ position: 10, id: 'small', undecodable: null });
      }
    } finally {
      r.disconnect();
    }
  });
});
