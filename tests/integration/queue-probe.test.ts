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

/** Probes `queue` once and returns the reading plus the input for the next probe. */
async function probe(queue: string, before: ProbeInput | null, mode: ProbeMode): Promise<{ reading: QueueReading; next: ProbeInput }> {
  const input: ProbeInput = before ?? { bands: names.queueBandKeys(queue), prev: null, head: null, headBand: null };
  const pipe = redis.pipeline();
  const { decode } = queueProbes(pipe, [input], mode);
  const [reading] = decode((await pipe.exec()) ?? []);
  if (!reading) throw new Error('no reading');
  const next: ProbeInput = {
    bands: input.bands,
    prev: new Map(reading.bands.map((b) => [b.step, { depth: b.depth, newest: b.newest }])),
    head: reading.head,
    headBand: reading.headBand,
  };
  return { reading, next };
}

const band = (r: QueueReading, step = 0) => r.bands.find((b) => b.step === step);
const flowOf = (prevDepth: number, r: QueueReading, step = 0) => {
  const b = band(r, step);
  if (!b) throw new Error(`no band ${step}`);
  return bandFlow(prevDepth, b);
};
const headId = (r: QueueReading) => (r.head ? messageTaskId(r.head) : null);

const seen: Record<ProbeMode, unknown[]> = { script: [], plain: [] };

describe.each<ProbeMode>(['script', 'plain'])('queue probe (%s)', (mode) => {
  it('counts pushes and takes exactly and follows the next message to run', async () => {
    const q = `flow-${mode}`;
    const [m0, m1, m2, m3, m4, m5] = [take(), take(), take(), take(), take(), take()];
    await redis.lpush(q, m0, m1, m2);
    let s = await probe(q, null, mode);
    expect(band(s.reading)?.depth).toBe(3);
    // Plain mode reads the head from the band that held it at the previous sample: none yet.
    if (mode === 'script') expect(headId(s.reading)).toBe(messageTaskId(m0));

    await redis.lpush(q, m3, m4);
    await redis.rpop(q); // a worker takes m[0]
    s = await probe(q, s.next, mode);
    expect(band(s.reading)?.lpos).toBe(2);
    expect(flowOf(3, s.reading)).toEqual({ in: 2, out: 1, lowerBound: false });
    expect(s.reading.headChanged).toBe(true);
    expect(headId(s.reading)).toBe(messageTaskId(m1));

    s = await probe(q, s.next, mode); // nothing happened
    expect(flowOf(4, s.reading)).toEqual({ in: 0, out: 0, lowerBound: false });
    expect(s.reading.headChanged).toBe(false);
    expect(headId(s.reading)).toBe(messageTaskId(m1));

    // kombu restores an unacked message to the right end (§4.5): it is next to run again.
    await redis.rpush(q, m5);
    s = await probe(q, s.next, mode);
    expect(band(s.reading)?.depth).toBe(5);
    expect(flowOf(4, s.reading)).toEqual({ in: 0, out: 0, lowerBound: false });
    expect(s.reading.headChanged).toBe(true);
    expect(headId(s.reading)).toBe(messageTaskId(m5));
    seen[mode].push(s.reading.bands.map((b) => [b.depth, b.lpos]));
  });

  it('moves the head to a higher-priority band when one fills', async () => {
    const q = `prio-${mode}`;
    const low = names.queueBandKeys(q).find((b) => b.step === 6)?.key ?? '';
    const [a, b] = [take(), take()];
    await redis.lpush(low, a);
    let s = await probe(q, null, mode);
    s = await probe(q, s.next, mode);
    expect(s.reading.headBand).toBe(6);
    expect(headId(s.reading)).toBe(messageTaskId(a));
    await redis.lpush(q, b); // priority 0 band: runs before everything in band 6
    s = await probe(q, s.next, mode);
    expect(s.reading.headBand).toBe(0);
    expect(band(s.reading, 6)?.lpos).toBe(0);
    if (mode === 'script') expect(headId(s.reading)).toBe(messageTaskId(b));
    s = await probe(q, s.next, mode);
    expect(headId(s.reading)).toBe(messageTaskId(b));
    seen[mode].push(s.reading.bands.map((x) => [x.depth, x.lpos]));
  });

  it('turns to lower bounds when the previous newest is gone or too large to keep', async () => {
    const q = `gone-${mode}`;
    const [a, b, c] = [take(), take(), take()];
    await redis.lpush(q, a, b);
    let s = await probe(q, null, mode);
    await redis.rpop(q, 2); // both taken, one new: the old newest is nowhere
    await redis.lpush(q, c);
    s = await probe(q, s.next, mode);
    expect(band(s.reading)?.lpos).toBeNull();
    expect(flowOf(2, s.reading)).toEqual({ in: 1, out: 2, lowerBound: true });

    const huge = JSON.stringify({ body: 'x'.repeat(70 * 1024), properties: { delivery_tag: 'big' } });
    await redis.lpush(q, huge);
    s = await probe(q, s.next, mode);
    expect(band(s.reading)?.lpos).toBe(1);
    expect(band(s.reading)?.newest).toBeNull(); // not kept: 70 KB
    s = await probe(q, s.next, mode);
    expect(band(s.reading)?.lpos).toBeUndefined();
    expect(flowOf(2, s.reading)).toMatchObject({ lowerBound: true });
    seen[mode].push(s.reading.bands.map((x) => [x.depth]));
  });
});

describe('probe modes', () => {
  it('give the same depths and positions', () => {
    expect(seen.script).toHaveLength(3);
    expect(seen.plain).toEqual(seen.script);
  });

  it('sampler falls back to plain reads when the broker refuses scripting (ACL without @scripting)', async () => {
    await redis.call('ACL', 'SETUSER', 'noscript', 'on', '>pw', '~*', '&*', '+@all', '-@scripting');
    const [a, b] = [take(), take()];
    await redis.lpush('acl-queue', a, b);
    const ctx = testContext({
      CELERY_BROKER_URL: `redis://noscript:pw@127.0.0.1:${server.port}/0`,
      TRELLIS_STORE_URL: server.url(2),
      TRELLIS_QUEUES: 'acl-queue',
      TRELLIS_INSPECT_TIMEOUT: '0.2',
    });
    const { startQueueSampler } = await import('@/lib/server/queues/sampler');
    const sampler = startQueueSampler(ctx, { autostart: false });
    try {
      const first = await sampler.sampleOnce();
      expect(first.mode).toBe('plain');
      const raw = await ctx.store.zrange(ctx.keys.queueSeries('acl-queue', 'raw'), 0, -1);
      expect(raw.map((r) => Number(r.split(',')[1]))).toEqual([2]);
    } finally {
      await sampler.stop();
      ctx.close();
    }
  });
});
