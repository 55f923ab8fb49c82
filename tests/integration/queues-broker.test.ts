import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { APP_DIR, celeryEnv, PYTHON, runDriver, startWorker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { getRoute } from '../support/routes';
import { testContext, waitFor } from '../support/trellis';
import type { QueueListBody } from '@/lib/schemas/responses/queues';
import type { QueueDetail, PeekPage } from '@/lib/server/queues/types';

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

const get = getRoute;

let mix: z.infer<typeof Mix>;

type Ctx = import('@/lib/server/context').TrellisContext;
/** What the collecting process does before requests read the queues: a full discovery pass, then the list measured and stored. */
async function collect(ctx: Ctx) {
  const { startQueueDiscovery } = await import('@/lib/server/queues/discovery-scan');
  const { publishQueueSnapshot } = await import('@/lib/server/queues/snapshot-store');
  const discovery = startQueueDiscovery(ctx, { autostart: false });
  while (!(await discovery.step()));
  await discovery.stop();
  await publishQueueSnapshot(ctx, { fresh: true });
}

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
  const { getContext } = await import('@/lib/server/context');
  await collect(getContext());
}, 120_000);

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

describe('queues on a real broker (no consumers)', () => {
  it('lists a queue with waiting messages and no consumer, with the depth LLEN gives', async () => {
    const [{ body }, llen] = await Promise.all([get<QueueListBody>(routes.queues.GET, '/api/v1/queues'), redis.llen('orphan')]);
    const orphan = body.items.find((q) => q.name === 'orphan');
    expect(llen).toBe(5);
    expect(orphan).toMatchObject({ depth: llen, consumers: [], unacked: 0, scheduled: 0, reserved: 0, stale: false });
    expect(orphan?.sources).toContain('binding');
    expect(orphan?.bands).toEqual([{ step: 0, depth: 5 }, { step: 3, depth: 0 }, { step: 6, depth: 0 }, { step: 9, depth: 0 }]);
    expect(body.items.map((q) => q.name)).not.toContain('celeryev');
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

  it('peeks in one atomic call (a read-only script: LLEN of every band, LRANGE of the page only), with the offset capped at 10,000', async () => {
    await redis.config('RESETSTAT');
    const { body } = await get<PeekPage>(routes.messages.GET, '/api/v1/queues/mix/messages?offset=2&limit=2', { name: 'mix' });
    const calls: Record<string, number> = {};
    for (const m of (await redis.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+)/g)) calls[m[1] ?? ''] = Number(m[2]);
    expect(body.items.map((m) => [m.position, m.id])).toEqual([[2, mix.expires], [3, mix.kwargs]]);
    expect(body.nextOffset).toBe(4);
    // One script call: 4 LLEN, one LRANGE (the page lies in band 0), and nothing else (INFO is counted once it has answered).
    expect(calls).toEqual({ evalsha: 1, llen: 4, lrange: 1 });
    const last = await get<PeekPage>(routes.messages.GET, '/api/v1/queues/mix/messages?offset=10000', { name: 'mix' });
    expect([last.status, last.body.items, last.body.nextOffset, last.body.depth]).toEqual([200, [], null, 5]);
    const beyond = await get<{ error: { code: string; message: string } }>(routes.messages.GET, '/api/v1/queues/mix/messages?offset=10001', { name: 'mix' });
    expect(beyond.status).toBe(422);
    expect(beyond.body.error.code).toBe('INVALID_INPUT');
    expect(beyond.body.error.message).toMatch(/^offset: /);
  });

  it('shows pickle and junk messages as undecodable without touching them', async () => {
    const pickle = JSON.stringify({ body: 'gASVAAAA', 'content-type': 'application/x-python-serialize', 'content-encoding': 'binary', headers: { task: 'tasks.add', id: 'pk-1' }, properties: { body_encoding: 'base64', delivery_tag: 'x', delivery_info: { exchange: '', routing_key: 'odd' } } });
    await redis.lpush('odd', pickle, 'not json at all');
    const { body } = await get<PeekPage>(routes.messages.GET, '/api/v1/queues/odd/messages', { name: 'odd' });
    expect(body.items.map((m) => m.undecodable)).toEqual(['undecodable (application/x-python-serialize)', 'undecodable (not JSON)']);
    expect(await redis.llen('odd')).toBe(2);
    await redis.del('odd');
  });

  it('samples all queues in one round trip: series, exact flow in/out, drain time, age of the next message', async () => {
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
    const read = async () => {
      await collect(ctx);
      return get<QueueDetail>(routes.queue.GET, '/api/v1/queues/orphan?range=1h', { name: 'orphan' });
    };
    // Per sample: depth, pushed since the previous sample, taken since.
    const series = (d: QueueDetail) => d.history.map((p) => [p.depth, p.in, p.out]);
    const counts = (d: QueueDetail) => d.rates && [d.rates.inPerSecond * d.rates.windowSeconds, d.rates.outPerSecond * d.rates.windowSeconds].map((n) => Math.round(n * 1e9) / 1e9);
    const raw = await redis.zrange(ctx.keys.queueSeries('orphan', 'raw'), 0, -1);
    expect(raw.map((m) => m.split(',').slice(1).map(Number))).toEqual([[5, 0, 0], [8, 3, 0], [6, 0, 2]]);
    const filling = (await read()).body;
    expect(series(filling)).toEqual([[5, 0, 0], [8, 3, 0], [6, 0, 2]]);
    // Over the window: 3 in, 2 out, all seen (LPOS found the previous newest): filling, so no drain time.
    expect(counts(filling)).toEqual([3, 2]);
    expect(filling.rates?.lowerBound).toBe(false);
    expect(filling.drainSeconds).toBeNull();
    // The head changed when two were taken: the new head has waited since Trellis first saw it in the queue.
    expect(filling.oldestAgeSource).toBe('first-seen');
    expect(filling.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(filling.oldestAgeSeconds).toBeLessThan(5);

    await redis.rpop('orphan', 4);
    await sampler.sampleOnce();
    await sampler.stop();
    const draining = (await read()).body;
    expect(series(draining)).toEqual([[5, 0, 0], [8, 3, 0], [6, 0, 2], [2, 0, 4]]);
    expect(counts(draining)).toEqual([3, 6]);
    // 2 left at a net 3 out per window: drained in 2/3 of the window.
    const window = draining.rates?.windowSeconds ?? NaN;
    expect(draining.drainSeconds).toBeCloseTo((2 * window) / 3, 9);
    const day = await get<QueueDetail>(routes.queue.GET, '/api/v1/queues/orphan?range=24h', { name: 'orphan' });
    expect(day.body.resolution).toBe(60);
  });

  it('reads the history of many queues in one go: skipped samples repeat the one before (zeros when idle), a gap (no collector) as nulls', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: server.url(5) });
    try {
      const { readHistories } = await import('@/lib/server/queues/history');
      const { appendGap } = await import('@/lib/server/collector/gaps');
      const { unfencedBatch } = await import('@/lib/server/store/write-batch');
      const now = 1_800_000_000;
      const meta = (firstSeen: number, sampledAt: number) => JSON.stringify({ firstSeen, lastNonEmpty: null, lastConsumer: null, head: null, rates: null, sampledAt });
      // 'idle': watched for the last 10 minutes, never anything in it: one stored sample a minute.
      // 'busy': stored samples at -20 s and -5 s. 'unseen': never sampled.
      await ctx.store.hset(ctx.keys.queueMeta, { idle: meta(now - 600, now), busy: meta(now - 20, now - 5) });
      await ctx.store.zadd(ctx.keys.queueSeries('busy', 'raw'), now - 20, `${now - 20},4,4,0`, now - 5, `${now - 5},1,0,3`);
      // The sampler stores an unchanged sample once a minute; none while no collector ran.
      for (const at of [-600, -540, -480, -420, -360, -200, -140, -80, -20]) await ctx.store.zadd(ctx.keys.queueSeries('idle', 'raw'), now + at, `${now + at},0,0,0`);
      await appendGap(unfencedBatch(ctx.store), ctx.keys, { start: now - 300, end: now - 200, reason: 'no collector running (collector stopped)' }).exec();
      const all = await readHistories(ctx, ['idle', 'busy', 'unseen'], '1h', now);
      const idle = all.get('idle')?.points ?? [];
      expect(all.get('idle')?.resolution).toBe(5);
      expect(idle.length).toBe(121); // -600 … 0, every 5 s
      expect(idle.filter((p) => p.depth === null).map((p) => p.t - now)).toEqual(Array.from({ length: 20 }, (_, i) => -300 + 5 * i));
      expect(idle.filter((p) => p.depth !== null).every((p) => p.depth === 0 && p.in === 0 && p.out === 0)).toBe(true);
      // Samples not stored were unchanged: they repeat the one before (4 waiting, nothing moving).
      expect(all.get('busy')?.points.map((p) => [p.t - now, p.depth, p.in, p.out])).toEqual([[-20, 4, 4, 0], [-15, 4, 0, 0], [-10, 4, 0, 0], [-5, 1, 0, 3]]);
      expect(all.get('unseen')?.points).toEqual([]);
    } finally {
      ctx.close();
    }
  });

  it('reads the age of every head, beyond the first 200 queues', async () => {
    const names = Array.from({ length: 260 }, (_, i) => `many-${String(i).padStart(3, '0')}`);
    const ctx = testContext({ CELERY_BROKER_URL: server.url(3), TRELLIS_QUEUES: names.join(','), TRELLIS_INSPECT_TIMEOUT: '0.3' });
    try {
      const { listQueues } = await import('@/lib/server/queues/list-queues');
      const message = await redis.lindex('orphan', -1); // a real Celery message
      const id = JSON.parse(message ?? '{}').headers.id as string;
      const seenAt = Date.now() / 1000 - 30;
      const pipe = ctx.broker.pipeline();
      for (const q of names) {
        pipe.lpush(q, message ?? '');
        pipe.hset(ctx.keys.queueMeta, q, JSON.stringify({ firstSeen: seenAt, lastNonEmpty: seenAt, lastConsumer: null, head: { id, seenAt }, rates: null, sampledAt: seenAt }));
      }
      await pipe.exec();
      await collect(ctx);
      const list = await listQueues(ctx);
      const many = list.queues.filter((q) => q.name.startsWith('many-'));
      expect(many.length).toBe(260);
      expect(many.filter((q) => q.oldestAgeSource !== 'first-seen')).toEqual([]);
      expect(many.every((q) => (q.oldestAgeSeconds ?? 0) >= 30 && (q.oldestAgeSeconds ?? 0) < 40)).toBe(true);
    } finally {
      ctx.close();
    }
  });

  it('hides a queue empty with no consumer for a day unless all=true', async () => {
    const { getContext } = await import('@/lib/server/context');
    const ctx = getContext();
    const old = Date.now() / 1000 - 2 * 86_400;
    await redis.hset(ctx.keys.queueMeta, 'ghost', JSON.stringify({ firstSeen: old, lastNonEmpty: old, lastConsumer: null, head: null, rates: null, sampledAt: null }));
    await collect(ctx);
    const shown = await get<QueueListBody>(routes.queues.GET, '/api/v1/queues');
    expect(shown.body.items.map((q) => q.name)).not.toContain('ghost');
    expect(shown.body.hidden).toBeGreaterThanOrEqual(1);
    const all = await get<QueueListBody>(routes.queues.GET, '/api/v1/queues?all=true');
    expect(all.body.items.find((q) => q.name === 'ghost')).toMatchObject({ stale: true, depth: 0, sources: ['config', 'history'] });
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

describe('unacked entries by queue', () => {
  it('counts entries per listed queue through direct, topic and fanout bindings; the rest (a queue Trellis has not discovered) as unmapped', async () => {
    const url = server.url(4);
    const r = new Redis(url);
    const ctx = testContext({ CELERY_BROKER_URL: url, TRELLIS_INSPECT_TIMEOUT: '0.3' });
    try {
      // Topic and fanout queues declared by kombu itself (it writes the binding members).
      const declare = spawnSync(PYTHON, ['-c', [
        'import os',
        'from kombu import Connection, Exchange, Queue',
        "with Connection(os.environ['CELERY_BROKER_URL']) as c:",
        "    tx, fx = Exchange('tx', type='topic'), Exchange('fx', type='fanout')",
        "    for q in [Queue('per-order', tx, routing_key='orders.*'), Queue('audit', tx, routing_key='#'), Queue('fan-a', fx), Queue('fan-b', fx)]:",
        '        q(c.default_channel).declare()',
      ].join('\n')], { cwd: APP_DIR, env: celeryEnv(url, url), encoding: 'utf8' });
      expect(declare.stderr).toBe('');
      // A real worker holds two ETA tasks of 'held' (unacked, exchange '', routing key 'held'), then dies.
      const worker = await startWorker({ brokerUrl: url, name: 'holder', queues: ['held'], concurrency: 1 });
      await runDriver(['held', 'held', '2'], { brokerUrl: url });
      await waitFor(async () => (await r.hlen('unacked')) === 2, 'two unacked entries');
      await worker.kill('SIGKILL');
      const [tag, entry] = Object.entries(await r.hgetall('unacked'))[0] ?? ['', '[]'];
      const envelope = (JSON.parse(entry) as unknown[])[0];
      const as = (exchange: string, routingKey: string) => JSON.stringify([envelope, exchange, routingKey]);
      await r.hset('unacked', { [`${tag}-1`]: as('tx', 'orders.eu'), [`${tag}-2`]: as('tx', 'invoices'), [`${tag}-3`]: as('fx', ''), [`${tag}-4`]: as('', 'nowhere') });

      const { listQueues } = await import('@/lib/server/queues/list-queues');
      const byQueue = async () => {
        await collect(ctx);
        return Object.fromEntries((await listQueues(ctx, { all: true })).queues.map((q) => [q.name, q.unacked]));
      };
      expect(await byQueue()).toEqual({ held: 2, 'per-order': 1, audit: 2, 'fan-a': 1, 'fan-b': 1 });
      expect((await listQueues(ctx)).unacked).toEqual({ total: 6, scanned: 6, capped: false, unmapped: 1, overdue: 0 });
      // Its binding gone, nothing tells Trellis 'held' exists: its entries are unmapped, not counted under a name nobody sees.
      await r.del('_kombu.binding.held');
      expect(await byQueue()).toEqual({ 'per-order': 1, audit: 2, 'fan-a': 1, 'fan-b': 1 });
      expect((await listQueues(ctx)).unacked).toEqual({ total: 6, scanned: 6, capped: false, unmapped: 3, overdue: 0 });
    } finally {
      ctx.close();
      r.disconnect();
    }
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
      await collect(ctx);
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
      const { readChordKeys } = await import('@/lib/server/backend/read-group-progress');
      const chord = async (g: string) => (await readChordKeys(ctx, [g])).get(g);
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
      expect(await chord('g1')).toMatchObject({ joined: 2, size: 3, joinType: 'zset' }); // in progress
      await backend.setex('celery-taskset-meta-g2.s', 60, '2');
      await backend.rpush('celery-taskset-meta-g2.j', 'x', 'y');
      expect(await chord('g2')).toMatchObject({ joined: 2, size: 2, joinType: 'list' }); // joined
      expect(await chord('g3')).toMatchObject({ joined: 0, size: null, joinType: 'none' }); // unknown
    } finally {
      ctx.close();
      backend.disconnect();
    }
  });
});
