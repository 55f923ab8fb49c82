import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { messageTaskId } from '@/lib/server/celery/queue-message';
import { celeryNames, KOMBU_SEP } from '@/lib/server/celery/names';
import { queueProbes, type ProbeInput, type ProbeMode, type QueueReading } from '@/lib/server/queues/band-probe';
import { bandFlow } from '@/lib/server/queues/flow';
import { withProbeCommand } from '@/lib/server/queues/probe-script';
import { runDriver } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { testContext } from '../support/trellis';

// The queue probe on a real Redis with real Celery task messages (published by the demo app's
// driver, then moved into test queues one by one so each is unique): flow counted exactly from the
// position of the previous newest message, the next message to run followed as consumers take and
// kombu restores, lower bounds where the list no longer tells, and the Lua probe and the plain
// reads (brokers that refuse scripting) giving the same readings.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let redis: Redis;
let pool: string[] = [];
const names = celeryNames({ db: 0, keyPrefix: '', prioritySteps: [0, 3, 6, 9], separator: KOMBU_SEP });

beforeAll(async () => {
  server = await startRedis();
  redis = withProbeCommand(new Redis(server.url(0)));
  z.object({ ids: z.array(z.string()) }).parse(await runDriver(['queue-only', 'source', '40'], { brokerUrl: server.url(0) }));
  pool = await redis.lrange('source', 0, -1);
  expect(pool).toHaveLength(40);
}, 120_000);

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

const take = () => {
  const m = pool.pop();
  if (!m) throw new Error('message pool exhausted');
  return m;
};

interface Probed {
  reading: QueueReading;
  /** The input for the next probe. */
  next: ProbeInput;
  /** The task id of the next message to run, followed across probes as the sampler does. */
  headId: string | null;
}

/** Probes `queue` once, continuing from `before`. */
async function probe(queue: string, before: Probed | null, mode: ProbeMode): Promise<Probed> {
  const input: ProbeInput = before?.next ?? { bands: names.queueBandKeys(queue), prev: null, head: null, headBand: null };
  const pipe = redis.pipeline();
  const { decode } = queueProbes(pipe, [input], mode, { noWrites: true });
  const [reading] = decode((await pipe.exec()) ?? []);
  if (!reading) throw new Error('no reading');
  const next: ProbeInput = {
    bands: input.bands,
    prev: new Map(reading.bands.map((b) => [b.step, { depth: b.depth, newest: b.newest }])),
    head: reading.head,
    headBand: reading.headBand,
  };
  const headId =
    reading.headBand === null ? null
    : reading.headChanged ? (reading.headMessage ? messageTaskId(reading.headMessage) : null)
    : (before?.headId ?? null);
  return { reading, next, headId };
}

const band = (r: QueueReading, step = 0) => r.bands.find((b) => b.step === step);
const flowOf = (prevDepth: number, r: QueueReading, step = 0) => {
  const b = band(r, step);
  if (!b) throw new Error(`no band ${step}`);
  return bandFlow(prevDepth, b);
};

const seen: Record<ProbeMode, unknown[]> = { script: [], plain: [] };

type Ctx = ReturnType<typeof testContext>;
type Sampler = ReturnType<typeof import('@/lib/server/queues/sampler').startQueueSampler>;
/** A real sampler (not started: the test drives each sample) over `queue`, its store in DB `storeDb`. */
async function withSampler(queue: string, storeDb: number, fn: (ctx: Ctx, sampler: Sampler) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  const ctx = testContext({ CELERY_BROKER_URL: server.url(0), TRELLIS_STORE_URL: server.url(storeDb), TRELLIS_QUEUES: queue, TRELLIS_INSPECT_TIMEOUT: '0.2', ...env });
  const { startQueueSampler } = await import('@/lib/server/queues/sampler');
  const sampler = startQueueSampler(ctx, { autostart: false });
  try {
    await fn(ctx, sampler);
  } finally {
    await sampler.stop();
    ctx.close();
  }
}
const storedDepths = async (ctx: Ctx, queue: string) => (await ctx.store.zrange(ctx.keys.queueSeries(queue, 'raw'), 0, -1)).map((m) => m.split(',').slice(1).map(Number));

describe.each<ProbeMode>(['script', 'plain'])('queue probe (%s)', (mode) => {
  it('counts pushes and takes exactly and follows the next message to run', async () => {
    const q = `flow-${mode}`;
    const [m0, m1, m2, m3, m4, m5] = [take(), take(), take(), take(), take(), take()];
    await redis.lpush(q, m0, m1, m2);
    let s = await probe(q, null, mode);
    expect(band(s.reading)?.depth).toBe(3);
    // Plain mode reads the head from the band that held it at the previous sample: none yet.
    if (mode === 'script') expect(s.headId).toBe(messageTaskId(m0));

    await redis.lpush(q, m3, m4);
    await redis.rpop(q); // a worker takes m[0]
    s = await probe(q, s, mode);
    expect(band(s.reading)?.lpos).toBe(2);
    expect(flowOf(3, s.reading)).toEqual({ in: 2, out: 1, lowerBound: false });
    expect(s.reading.headChanged).toBe(true);
    expect(s.headId).toBe(messageTaskId(m1));

    s = await probe(q, s, mode); // nothing happened
    expect(flowOf(4, s.reading)).toEqual({ in: 0, out: 0, lowerBound: false });
    expect(s.reading.headChanged).toBe(false);
    expect(s.headId).toBe(messageTaskId(m1));

    // kombu restores an unacked message to the right end (§4.5): it is next to run again.
    await redis.rpush(q, m5);
    s = await probe(q, s, mode);
    expect(band(s.reading)?.depth).toBe(5);
    expect(flowOf(4, s.reading)).toEqual({ in: 0, out: 0, lowerBound: false });
    expect(s.reading.headChanged).toBe(true);
    expect(s.headId).toBe(messageTaskId(m5));
    seen[mode].push(s.reading.bands.map((b) => [b.depth, b.lpos]));
  });

  it('moves the head to a higher-priority band when one fills', async () => {
    const q = `prio-${mode}`;
    const low = names.queueBandKeys(q).find((b) => b.step === 6)?.key ?? '';
    const [a, b] = [take(), take()];
    await redis.lpush(low, a);
    let s = await probe(q, null, mode);
    s = await probe(q, s, mode);
    expect(s.reading.headBand).toBe(6);
    expect(s.headId).toBe(messageTaskId(a));
    await redis.lpush(q, b); // priority 0 band: runs before everything in band 6
    s = await probe(q, s, mode);
    expect(s.reading.headBand).toBe(0);
    expect(band(s.reading, 6)?.lpos).toBe(0);
    if (mode === 'script') expect(s.headId).toBe(messageTaskId(b));
    s = await probe(q, s, mode);
    expect(s.headId).toBe(messageTaskId(b));
    seen[mode].push(s.reading.bands.map((x) => [x.depth, x.lpos]));
  });

  it('turns to lower bounds when the previous newest is gone or too large to keep', async () => {
    const q = `gone-${mode}`;
    const [a, b, c] = [take(), take(), take()];
    await redis.lpush(q, a, b);
    let s = await probe(q, null, mode);
    await redis.rpop(q, 2); // both taken, one new: the old newest is nowhere
    await redis.lpush(q, c);
    s = await probe(q, s, mode);
    expect(band(s.reading)?.lpos).toBeNull();
    expect(flowOf(2, s.reading)).toEqual({ in: 1, out: 2, lowerBound: true });

    const huge = JSON.stringify({ body: 'x'.repeat(70 * 1024), properties: { delivery_tag: 'big' } });
    await redis.lpush(q, huge);
    s = await probe(q, s, mode);
    expect(band(s.reading)?.lpos).toBe(1);
    if (mode === 'plain') {
      expect(band(s.reading)?.newest).toBeNull(); // not kept: 70 KB
      s = await probe(q, s, mode);
      expect(band(s.reading)?.lpos).toBeUndefined();
      expect(flowOf(2, s.reading)).toMatchObject({ lowerBound: true });
    } else {
      // The script identifies it by its fingerprint: still exact.
      expect(band(s.reading)?.newest?.kind).toBe('fingerprint');
      s = await probe(q, s, mode);
      expect(band(s.reading)?.lpos).toBe(0);
      expect(flowOf(2, s.reading)).toEqual({ in: 0, out: 0, lowerBound: false });
    }
    seen[mode].push(s.reading.bands.map((x) => [x.depth]));
  });
});

describe('queue probe script: work only where something may have changed', () => {
  const synthetic = (tag: string, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ body: `${tag}-${i}`, properties: { delivery_tag: `${tag}-${i}-${'t'.repeat(40)}` } }));
  const key = (q: string, step: number) => names.queueBandKeys(q).find((b) => b.step === step)?.key ?? '';
  /** Commands Redis ran (scripts' inner calls included), by name, during `fn`. */
  async function commandsDuring(fn: () => Promise<unknown>): Promise<Record<string, number>> {
    const calls = async () => {
      const out: Record<string, number> = {};
      for (const m of (await redis.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+)/g)) out[m[1] ?? ''] = Number(m[2]);
      return out;
    };
    const before = await calls();
    await fn();
    const after = await calls();
    const diff: Record<string, number> = {};
    for (const [k, v] of Object.entries(after)) if (v !== (before[k] ?? 0) && !['info', 'evalsha', 'eval'].includes(k)) diff[k] = v - (before[k] ?? 0);
    return diff;
  }

  it('an idle queue with four non-empty bands costs four LLENs and one LINDEX', async () => {
    const q = 'idle-4';
    for (const step of [0, 3, 6, 9]) await redis.lpush(key(q, step), ...synthetic(`${q}-${step}`, 3));
    let s = await probe(q, null, 'script');
    s = await probe(q, s, 'script');
    let next = s;
    const ran = await commandsDuring(async () => (next = await probe(q, s, 'script')));
    expect(ran).toEqual({ llen: 4, lindex: 1 });
    expect(next.reading.bands.map((b) => flowOf(3, next.reading, b.step))).toEqual(Array(4).fill({ in: 0, out: 0, lowerBound: false }));
    expect(next.reading.headChanged).toBe(false);
  });

  it('lower bands: pushes counted from the depth change while the head band never ran empty', async () => {
    const q = 'protected';
    await redis.lpush(key(q, 0), ...synthetic(`${q}-0`, 3));
    await redis.lpush(key(q, 6), ...synthetic(`${q}-6`, 2));
    let s = await probe(q, null, 'script');
    s = await probe(q, s, 'script');
    await redis.rpop(key(q, 0)); // a worker takes the next message (band 0)
    await redis.lpush(key(q, 6), ...synthetic(`${q}-6b`, 5)); // five more at priority 6
    const ran = await commandsDuring(async () => (s = await probe(q, s, 'script')));
    expect(flowOf(3, s.reading, 0)).toEqual({ in: 0, out: 1, lowerBound: false });
    expect(flowOf(2, s.reading, 6)).toEqual({ in: 5, out: 0, lowerBound: false });
    // Band 0 (its next message changed) is searched; band 6 is not: one LINDEX checks its count.
    // LINDEX: band 0's next message, band 6's check and new newest, band 0's newest kept whole.
    expect(ran).toEqual({ llen: 2, exists: 1, lrange: 1, lindex: 4 }); // bands 3 and 9 stayed empty: one EXISTS
  });

  it('pops that emptied the head band reach the next band, and are found by fingerprint', async () => {
    const q = 'spill';
    await redis.lpush(key(q, 0), ...synthetic(`${q}-0`, 1));
    await redis.lpush(key(q, 3), ...synthetic(`${q}-3`, 2));
    let s = await probe(q, null, 'script');
    s = await probe(q, s, 'script');
    await redis.rpop(key(q, 0)); // the worker drains band 0…
    await redis.rpop(key(q, 3)); // …then takes from band 3
    await redis.lpush(key(q, 3), ...synthetic(`${q}-3b`, 1));
    s = await probe(q, s, 'script');
    expect(flowOf(2, s.reading, 3)).toEqual({ in: 1, out: 1, lowerBound: false });
    expect(s.reading.headBand).toBe(3);
    expect(s.reading.headChanged).toBe(true);
  });

  it('a band consumers take from keeps its newest message, so LPOS finds it however many were pushed', async () => {
    const q = 'busy';
    await redis.lpush(q, ...synthetic(`${q}-a`, 4));
    let s = await probe(q, null, 'script');
    await redis.rpop(q);
    s = await probe(q, s, 'script'); // a message was taken: the band is busy
    expect(band(s.reading)?.newest?.kind).toBe('message');
    await redis.rpop(q);
    await redis.lpush(q, ...synthetic(`${q}-b`, 600));
    s = await probe(q, s, 'script');
    expect(flowOf(3, s.reading)).toEqual({ in: 600, out: 1, lowerBound: false });
    s = await probe(q, s, 'script'); // quiet again: back to a fingerprint
    expect(band(s.reading)?.newest?.kind).toBe('fingerprint');
    expect(flowOf(602, s.reading)).toEqual({ in: 0, out: 0, lowerBound: false });
  });

  it('a quiet band that is suddenly consumed is searched by fingerprint within a bounded window', async () => {
    const q = 'woken';
    await redis.lpush(q, ...synthetic(`${q}-a`, 3));
    let s = await probe(q, null, 'script');
    s = await probe(q, s, 'script');
    expect(band(s.reading)?.newest?.kind).toBe('fingerprint');
    await redis.rpop(q);
    await redis.lpush(q, ...synthetic(`${q}-b`, 30));
    s = await probe(q, s, 'script');
    expect(flowOf(3, s.reading)).toEqual({ in: 30, out: 1, lowerBound: false });
    await redis.rpop(q);
    await redis.lpush(q, ...synthetic(`${q}-c`, 400)); // deeper than the fingerprint search goes
    s = await probe(q, s, 'script');
    expect(band(s.reading)?.lpos).toBe(400); // busy since the last sample: its message was kept
    await redis.rpop(q, 2);
    s = await probe(q, s, 'script');
    expect(flowOf(431, s.reading)).toEqual({ in: 0, out: 2, lowerBound: false });
  });

  it('a key that is not a list counts as empty instead of failing the call', async () => {
    await redis.set('not-a-list', 'x');
    const s = await probe('not-a-list', null, 'script');
    expect(band(s.reading)?.depth).toBe(0);
  });
});

describe('probe modes', () => {
  it('give the same depths and positions', () => {
    expect(seen.script).toHaveLength(3);
    expect(seen.plain).toEqual(seen.script);
  });

  it('sampler falls back to plain reads when the broker refuses scripting (ACL without @scripting)', async () => {
    await redis.call('ACL', 'SETUSER', 'noscript', 'on', '>pw', '~*', '&*', '+@all', '-@scripting');
    await redis.lpush('acl-queue', take(), take());
    await withSampler('acl-queue', 2, async (ctx, sampler) => {
      expect((await sampler.sampleOnce()).mode).toBe('plain');
      expect(await storedDepths(ctx, 'acl-queue')).toEqual([[2, 0, 0]]);
    }, { CELERY_BROKER_URL: `redis://noscript:pw@127.0.0.1:${server.port}/0` });
  });

  it('the next message waits since Trellis first saw it in the queue, not since it reached the head', async () => {
    const q = 'arrivals-queue';
    const [a, b, c, d] = [take(), take(), take(), take()];
    await redis.lpush(q, a, b);
    const { readMeta } = await import('@/lib/server/queues/meta');
    await withSampler(q, 3, async (ctx, sampler) => {
      const head = async () => (await readMeta(ctx, [q])).get(q)?.head;
      await sampler.sampleOnce();
      expect((await head())?.id).toBe(messageTaskId(a));
      await new Promise((r) => setTimeout(r, 1100));
      await redis.lpush(q, c, d);
      const before = Date.now() / 1000;
      await sampler.sampleOnce(); // c and d first seen now
      const after = Date.now() / 1000;
      await new Promise((r) => setTimeout(r, 1100));
      await redis.rpop(q, 3); // a, b and c taken: d is next
      await sampler.sampleOnce();
      const h = await head();
      expect(h?.id).toBe(messageTaskId(d));
      expect(h?.seenAt).toBeGreaterThanOrEqual(before);
      expect(h?.seenAt).toBeLessThanOrEqual(after);
    });
  });

  it('stores a sample only when it changed (or once a minute); reads repeat the one before', async () => {
    const q = 'steady-queue';
    await redis.lpush(q, take(), take());
    const { readHistory } = await import('@/lib/server/queues/history');
    await withSampler(q, 4, async (ctx, sampler) => {
      for (let i = 0; i < 3; i++) {
        await sampler.sampleOnce();
        await new Promise((r) => setTimeout(r, 1_000));
      }
      await redis.rpop(q);
      await sampler.sampleOnce();
      expect(await storedDepths(ctx, q)).toEqual([[2, 0, 0], [1, 0, 1]]);
      const points = (await readHistory(ctx, q, '1h')).points.map((p) => [p.depth, p.in, p.out]);
      expect(points).toEqual([[2, 0, 0], [2, 0, 0], [2, 0, 0], [1, 0, 1]]);
    }, { TRELLIS_SAMPLE_INTERVAL: '1s' });
  });

  it('a broker that is busy (a script running elsewhere) fails the sample instead of reading every queue as empty', async () => {
    const q = 'busy-broker-queue';
    await redis.lpush(q, take(), take());
    const hog = new Redis(server.url(0));
    try {
      await withSampler(q, 6, async (ctx, sampler) => {
        await sampler.sampleOnce();
        await redis.config('SET', 'busy-reply-threshold', '100');
        void hog.eval('while true do end', 0).catch(() => undefined); // killed below
        await new Promise((r) => setTimeout(r, 300));
        await expect(sampler.sampleOnce()).rejects.toThrow(/BUSY/);
        await redis.call('SCRIPT', 'KILL');
        expect(await storedDepths(ctx, q)).toEqual([[2, 0, 0]]); // no invented zero
      });
    } finally {
      await redis.call('SCRIPT', 'KILL').catch(() => undefined);
      await redis.config('SET', 'busy-reply-threshold', '5000');
      hog.disconnect();
    }
  });
});
