import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runDriver } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { testContext } from '../support/trellis';
import type { QueueDetail, QueueList, PeekPage } from '@/lib/server/queues/types';

// Queues as Trellis reads them from a real broker filled by real Celery publishers (no consumer):
// depth by priority band (default and custom steps), global_keyprefix, peek, sampler series and
// flow, stale hiding, broker health and the result backend. Every depth is checked against LLEN
// read directly at the same moment.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let redis: Redis;
let routes: {
  queues: typeof import('@/app/api/v1/queues/route');
  queue: typeof import('@/app/api/v1/queues/[name]/route');
  messages: typeof import('@/app/api/v1/queues/[name]/messages/route');
  broker: typeof import('@/app/api/v1/broker/route');
  lengths: typeof import('@/app/api/queues/length/route');
};

const SEP = '\x06\x16';
const Mix = z.object({ plain: z.string(), eta: z.string(), priority: z.string(), expires: z.string(), kwargs: z.string() });
const Ids = z.object({ ids: z.array(z.string()) });

async function get<T>(handler: (r: Request, c?: { params: Promise<Record<string, string>> }) => Promise<Response>, url: string, params: Record<string, string> = {}) {
  const res = await handler(new Request(`http://localhost${url}`), { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as T };
}

let mix: z.infer<typeof Mix>;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url(0));
  Object.assign(process.env, { CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_LOG_LEVEL: 'silent', TRELLIS_QUEUES: 'ghost', TRELLIS_INSPECT_TIMEOUT: '0.5' });
  routes = {
    queues: await import('@/app/api/v1/queues/route'),
    queue: await import('@/app/api/v1/queues/[name]/route'),
    messages: await import('@/app/api/v1/queues/[name]/messages/route'),
    broker: await import('@/app/api/v1/broker/route'),
    lengths: await import('@/app/api/queues/length/route'),
  };
  Ids.parse(await runDriver(['queue-only', 'orphan', '5'], { brokerUrl: server.url(0), backendUrl: server.url(1) }));
  mix = Mix.parse(await runDriver(['queue-mix', 'mix'], { brokerUrl: server.url(0), backendUrl: server.url(1) }));
}, 120_000);

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

describe('queues on a real broker (no consumers)', () => {
  it('lists a queue with waiting messages and no consumer, with the depth LLEN gives', async () => {
    const [{ body }, llen] = await Promise.all([get<QueueList>(routes.queues.GET, '/api/v1/queues'), redis.llen('orphan')]);
    const orphan = body.queues.find((q) => q.name === 'orphan');
    expect(llen).toBe(5);
    expect(orphan).toMatchObject({ depth: llen, consumers: [], unacked: 0, scheduled: 0, reserved: 0, stale: false });
    expect(orphan?.sources).toContain('binding');
    expect(orphan?.bands).toEqual([{ step: 0, depth: 5 }, { step: 3, depth: 0 }, { step: 6, depth: 0 }, { step: 9, depth: 0 }]);
    expect(body.queues.map((q) => q.name)).not.toContain('celeryev');
    const flower = await get<{ active_queues: Array<{ name: string; messages: number }> }>(routes.lengths.GET, '/api/queues/length');
    expect(flower.body.active_queues).toContainEqual({ name: 'orphan', messages: 5 });
  });

  it('counts priority bands with the default steps (priority 7 → band 6)', async () => {
    const { body } = await get<QueueDetail>(routes.queue.GET, '/api/v1/queues/mix', { name: 'mix' });
    const [b0, b6] = await Promise.all([redis.llen('mix'), redis.llen(`mix${SEP}6`)]);
    expect([b0, b6]).toEqual([4, 1]);
    expect(body.depth).toBe(5);
    expect(body.bands).toEqual([{ step: 0, depth: 4 }, { step: 3, depth: 0 }, { step: 6, depth: 1 }, { step: 9, depth: 0 }]);
    expect(body.oldestAgeSource).toBe('unknown'); // never sampled, no history: said, not guessed
  });

  it('peeks decoded messages in the order workers will take them, paginated', async () => {
    const { body } = await get<PeekPage>(routes.messages.GET, '/api/v1/queues/mix/messages?limit=10', { name: 'mix' });
    expect(body.depth).toBe(5);
    // Band 0 first, in publish order (FIFO from the right end); the priority-7 message (band 6) last.
    expect(body.items.map((m) => m.id)).toEqual([mix.plain, mix.eta, mix.expires, mix.kwargs, mix.priority]);
    expect(body.items[0]).toMatchObject({ position: 0, task: 'tasks.add', argsRepr: '(1, 2)', band: 0, protocol: 2, redelivered: false, undecodable: null });
    expect(body.items[1]?.eta).toMatch(/^\d{4}-/);
    expect(body.items[4]).toMatchObject({ id: mix.priority, band: 6, priority: 7 });
    const page = await get<PeekPage>(routes.messages.GET, '/api/v1/queues/mix/messages?offset=3&limit=2', { name: 'mix' });
    expect(page.body.items.map((m) => m.id)).toEqual([mix.kwargs, mix.priority]);
    expect(page.body.nextOffset).toBeNull();
    const bad = await get<{ error: { code: string } }>(routes.messages.GET, '/api/v1/queues/mix/messages?limit=500', { name: 'mix' });
    expect(bad.status).toBe(422);
  });

  it('shows pickle and junk messages as undecodable without touching them', async () => {
    const pickle = JSON.stringify({ body: 'gASVAAAA', 'content-type': 'application/x-python-serialize', 'content-encoding': 'binary', headers: { task: 'tasks.add', id: 'pk-1' }, properties: { body_encoding: 'base64', delivery_tag: 'x', delivery_info: { exchange: '', routing_key: 'odd' } } });
    await redis.lpush('odd', pickle, 'not json at all');
    const { body } = await get<PeekPage>(routes.messages.GET, '/api/v1/queues/odd/messages', { name: 'odd' });
    expect(body.items.map((m) => m.undecodable)).toEqual(['undecodable (application/x-python-serialize)', 'undecodable (not JSON)']);
    expect(await redis.llen('odd')).toBe(2);
    await redis.del('odd');
  });

  it('samples all queues in one round trip: series, flow in/out, age of the next message', async () => {
    const { getContext } = await import('@/lib/server/context');
    const { startQueueSampler } = await import('@/lib/server/queues/sampler');
    const ctx = getContext();
    const sampler = startQueueSampler(ctx, { autostart: false });
    const first = await sampler.sampleOnce();
    expect(first.queues).toBeGreaterThanOrEqual(3);
    await runDriver(['queue-only', 'orphan', '3'], { brokerUrl: server.url(0) });
    await new Promise((r) => setTimeout(r, 50));
    await sampler.sampleOnce();
    await redis.rpop('orphan', 2); // a consumer takes the two next messages
    await sampler.sampleOnce();
    await sampler.stop();
    const raw = await redis.zrange(ctx.keys.queueSeries('orphan', 'raw'), 0, -1);
    expect(raw.map((m) => m.split(',').slice(1).map(Number))).toEqual([[5, 0, 0], [8, 3, 0], [6, 0, 2]]);
    const { body } = await get<QueueDetail>(routes.queue.GET, '/api/v1/queues/orphan?range=1h', { name: 'orphan' });
    expect(body.history.map((p) => p.depth)).toEqual([5, 8, 6]);
    expect(body.rates?.inPerSecond).toBeGreaterThan(0);
    expect(body.rates?.outPerSecond).toBeGreaterThan(0);
    expect(body.rates?.lowerBound).toBe(false);
    // The head changed when two were taken: Trellis saw the new head first at the last sample.
    expect(body.oldestAgeSource).toBe('first-seen-at-head');
    expect(body.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(body.oldestAgeSeconds).toBeLessThan(5);
    const day = await get<QueueDetail>(routes.queue.GET, '/api/v1/queues/orphan?range=24h', { name: 'orphan' });
    expect(day.body.resolution).toBe(60);
  });

  it('hides a queue empty with no consumer for a day unless all=true', async () => {
    const { getContext } = await import('@/lib/server/context');
    const ctx = getContext();
    const old = Date.now() / 1000 - 2 * 86_400;
    await redis.hset(ctx.keys.queueMeta, 'ghost', JSON.stringify({ firstSeen: old, lastNonEmpty: old, lastConsumer: null, head: null, rates: null, sampledAt: null }));
    const shown = await get<QueueList>(routes.queues.GET, '/api/v1/queues');
    expect(shown.body.queues.map((q) => q.name)).not.toContain('ghost');
    expect(shown.body.hidden).toBeGreaterThanOrEqual(1);
    const all = await get<QueueList>(routes.queues.GET, '/api/v1/queues?all=true');
    expect(all.body.queues.find((q) => q.name === 'ghost')).toMatchObject({ stale: true, depth: 0, sources: ['config', 'history'] });
    expect((await get<unknown>(routes.queue.GET, '/api/v1/queues/nope', { name: 'nope' })).status).toBe(404);
  });

  it('reports broker health and warns about an evicting maxmemory-policy', async () => {
    type Health = { maxMemoryPolicy: string; warnings: string[]; connectedClients: number; store: { keys: number; method: string }; cpuSeconds: number };
    const ok = await get<Health>(routes.broker.GET, '/api/v1/broker');
    expect(ok.body).toMatchObject({ maxMemoryPolicy: 'noeviction', warnings: [] });
    expect(ok.body.connectedClients).toBeGreaterThan(0);
    expect(ok.body.store).toMatchObject({ method: 'scan' });
    expect(ok.body.store.keys).toBeGreaterThan(0);
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const bad = await get<Health>(routes.broker.GET, '/api/v1/broker');
    expect(bad.body.warnings.join()).toMatch(/allkeys-lru/);
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
  });
});

describe('custom priority steps and global_keyprefix', () => {
  it('reads bands 0/5 under the prefix, as a Celery app with priority_steps=[0,5] and global_keyprefix wrote them', async () => {
    const env = { CELERY_GLOBAL_KEYPREFIX: 'myapp:', CELERY_PRIORITY_STEPS: '0,5' };
    await runDriver(['queue-mix', 'pq'], { brokerUrl: server.url(2), env });
    const r = new Redis(server.url(2));
    const ctx = testContext({ CELERY_BROKER_URL: server.url(2), TRELLIS_BROKER_KEYPREFIX: 'myapp:', TRELLIS_PRIORITY_STEPS: '0,5', TRELLIS_INSPECT_TIMEOUT: '0.3' });
    try {
      const { listQueues } = await import('@/lib/server/queues/list-queues');
      const { peekMessages } = await import('@/lib/server/queues/peek');
      const [list, b0, b5, unprefixed] = await Promise.all([listQueues(ctx), r.llen('myapp:pq'), r.llen(`myapp:pq${SEP}5`), r.exists('pq')]);
      expect([b0, b5, unprefixed]).toEqual([4, 1, 0]);
      expect(list.queues.find((q) => q.name === 'pq')).toMatchObject({ depth: 5, bands: [{ step: 0, depth: 4 }, { step: 5, depth: 1 }] });
      const page = await peekMessages(ctx, 'pq', 0, 10);
      expect(page.items.map((m) => m.band)).toEqual([0, 0, 0, 0, 5]);
    } finally {
      ctx.close();
      r.disconnect();
    }
  });
});

describe('result backend', () => {
  it('reads task meta (captured values) and chord progress', async () => {
    const metas = JSON.parse(readFileSync('tests/fixtures/celery-5.2/result-meta.json', 'utf8')) as Record<string, string>;
    const backend = new Redis(server.url(1));
    const ctx = testContext({ CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1) });
    try {
      const { readBackendMeta } = await import('@/lib/server/backend/read-backend-meta');
      const { readGroupProgress } = await import('@/lib/server/backend/read-group-progress');
      const withChildren = Object.entries(metas).find(([, v]) => v.includes('"children": [['));
      expect(withChildren).toBeDefined();
      const [id, raw] = withChildren ?? ['', ''];
      await backend.set(`celery-task-meta-${id}`, raw);
      const meta = await readBackendMeta(ctx, id);
      expect(meta?.children.length).toBeGreaterThan(0);
      expect(meta?.children[0]).toMatch(/^[0-9a-f-]{36}$/);
      await backend.set('celery-task-meta-pk', Buffer.from([0x80, 0x04, 0x95, 0x00]));
      expect((await readBackendMeta(ctx, 'pk'))?.result).toBe('binary (pickle)');
      expect(await readBackendMeta(ctx, 'missing')).toBeNull();

      await backend.setex('celery-taskset-meta-g1.s', 60, '3');
      await backend.zadd('celery-taskset-meta-g1.j', 0, '[1, "a", "SUCCESS", 2]', 1, '[1, "b", "SUCCESS", 4]');
      expect(await readGroupProgress(ctx, 'g1')).toMatchObject({ done: 2, size: 3, joinType: 'zset', state: 'in-progress' });
      await backend.setex('celery-taskset-meta-g2.s', 60, '2');
      await backend.rpush('celery-taskset-meta-g2.j', 'x', 'y');
      expect(await readGroupProgress(ctx, 'g2')).toMatchObject({ done: 2, size: 2, joinType: 'list', state: 'joined' });
      expect(await readGroupProgress(ctx, 'g3')).toMatchObject({ done: null, size: null, state: 'unknown' });
    } finally {
      ctx.close();
      backend.disconnect();
    }
  });
});
