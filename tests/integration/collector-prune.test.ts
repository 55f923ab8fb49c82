import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fence } from '@/lib/server/collector/fence';
import { pruneRegistries, pruneWorkers } from '@/lib/server/collector/prune';
import { newWorkerDoc } from '@/lib/server/workers/worker-doc';
import { startRedis } from '../support/redis-server';
import { testContext } from '../support/trellis';

// The store's bookkeeping stays bounded by what it holds: workers not heard from for the retention
// period go with their index; registry values whose index set is gone are removed.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.stop();
});

describe('pruning', () => {
  it('removes workers unseen for the retention period (with their index) and keeps recent ones', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: server.url(0), TRELLIS_RETENTION_MAX_AGE: '1d' });
    try {
      await ctx.store.set(ctx.keys.lease, 't', 'PX', 30_000);
      const now = Date.now() / 1000;
      await ctx.store.hset(ctx.keys.workers, {
        'old@h': JSON.stringify(newWorkerDoc('old@h', now - 2 * 86_400)),
        'new@h': JSON.stringify(newWorkerDoc('new@h', now - 60)),
      });
      await ctx.store.zadd(ctx.keys.index('worker', 'old@h'), 1, 'x');
      await ctx.store.zadd(ctx.keys.index('worker', 'new@h'), 1, 'y');
      const gone = await pruneWorkers(ctx, new Fence(ctx.store, ctx.keys, 't'), now);
      expect(gone).toEqual(['old@h']);
      expect(await ctx.store.hkeys(ctx.keys.workers)).toEqual(['new@h']);
      expect(await ctx.store.exists(ctx.keys.index('worker', 'old@h'))).toBe(0);
      expect(await ctx.store.exists(ctx.keys.index('worker', 'new@h'))).toBe(1);
    } finally {
      ctx.close();
    }
  });

  it('removes registry values no task carries any more, across SSCAN pages', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: server.url(1) });
    try {
      await ctx.store.set(ctx.keys.lease, 't', 'PX', 30_000);
      const names = Array.from({ length: 1_200 }, (_, i) => `tasks.n${i}`);
      await ctx.store.sadd(ctx.keys.registry('name'), ...names);
      const live = names.filter((_, i) => i % 3 === 0);
      const pipe = ctx.store.pipeline();
      for (const n of live) pipe.zadd(ctx.keys.index('name', n), 1, 'ref');
      await pipe.exec();
      const removed = await pruneRegistries(ctx, new Fence(ctx.store, ctx.keys, 't'));
      expect(removed).toBe(names.length - live.length);
      expect((await ctx.store.smembers(ctx.keys.registry('name'))).sort()).toEqual([...live].sort());
    } finally {
      ctx.close();
    }
  });
});
