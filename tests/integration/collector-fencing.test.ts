import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fence, FencedOutError } from '@/lib/server/collector/fence';
import { Flusher } from '@/lib/server/collector/flusher';
import { IngestStats } from '@/lib/server/collector/ingest-stats';
import { PendingBatch } from '@/lib/server/collector/pending-batch';
import { getTask } from '@/lib/server/tasks/get-task';
import { startRedis } from '../support/redis-server';
import { testContext } from '../support/trellis';

// The fence and idempotent flushes, against a real Redis: a write of a term that no longer holds
// the lease changes nothing; a flush whose reply was lost (Redis applied it, the client timed out)
// is retried with the same once-id and applied once — no duplicate events, no double counts.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.stop();
});

function lifecycleBatch(id: string, at: number): PendingBatch {
  const batch = new PendingBatch();
  const base = { hostname: 'w1@test', lr: at };
  batch.addTask(id, { ...base, type: 'task-received', timestamp: at, name: 'tasks.add', args: '(1, 2)', kwargs: '{}', queue: 'celery' });
  batch.addTask(id, { ...base, type: 'task-started', timestamp: at + 0.01 });
  batch.addTask(id, { ...base, type: 'task-succeeded', timestamp: at + 0.02, result: '3', runtime: 0.01 });
  return batch;
}

describe('fenced writes', () => {
  it('a term that lost the lease writes nothing, atomically', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: server.url(1) });
    try {
      await ctx.store.set(ctx.keys.lease, 'term-b', 'PX', 10_000);
      const stale = new Fence(ctx.store, ctx.keys, 'term-a');
      await expect(stale.batch().set('probe', 'a').hincrby('counts', 'n', 1).exec()).rejects.toBeInstanceOf(FencedOutError);
      expect(await ctx.store.exists('probe', 'counts')).toBe(0);
      const current = new Fence(ctx.store, ctx.keys, 'term-b');
      const r = await current.batch().set('probe', 'b').hincrby('counts', 'n', 1).exec();
      expect(r).toEqual({ applied: true, commandErrors: 0, firstCommandError: null });
      expect(await ctx.store.get('probe')).toBe('b');
    } finally {
      ctx.close();
    }
  });

  it('a command Redis refuses (wrong type) is counted; the rest of the batch applies', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: server.url(2) });
    try {
      await ctx.store.set(ctx.keys.lease, 't', 'PX', 10_000);
      await ctx.store.set('a-string', 'x');
      const r = await new Fence(ctx.store, ctx.keys, 't').batch().sadd('a-string', 'm').set('after', '1').exec();
      expect(r.commandErrors).toBe(1);
      expect(r.firstCommandError).toMatch(/WRONGTYPE/);
      expect(await ctx.store.get('after')).toBe('1');
    } finally {
      ctx.close();
    }
  });
});

describe('idempotent flushes', () => {
  it('a flush whose reply was lost is retried with the same once-id: events and counters once', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: server.url(3) });
    // The collector's store connection, with a short command timeout so the paused write times out.
    const store = new Redis(server.url(3), { commandTimeout: 300, maxRetriesPerRequest: 0 });
    const admin = new Redis(server.url(3));
    try {
      const flushCtx = { ...ctx, store };
      await ctx.store.set(ctx.keys.lease, 'term-1', 'PX', 30_000);
      const fence = new Fence(store, ctx.keys, 'term-1');
      const flusher = new Flusher(flushCtx, new IngestStats());
      const id = randomUUID();
      const at = Math.floor(Date.now() / 1000 / 60) * 60 + 1;
      const prepared = await flusher.prepare(lifecycleBatch(id, at));

      // Redis holds writes for 1 s: the client gives up after 300 ms, Redis applies the script after.
      await admin.call('CLIENT', 'PAUSE', '1000', 'WRITE');
      await expect(flusher.apply(prepared, fence, 'term-1:1')).rejects.toThrow(/timed out/i);
      await new Promise((r) => setTimeout(r, 1_200));
      expect(await ctx.store.get(ctx.keys.lastApplied)).toBe('term-1:1');

      // The retry: same prepared commands, same once-id.
      await flusher.apply(prepared, fence, 'term-1:1');
      const task = await getTask(ctx, id);
      expect(task?.events.map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
      const minute = await ctx.store.hgetall(ctx.keys.minute(Math.floor(at / 60)));
      expect(minute.succeeded).toBe('1');
      expect(minute.received).toBe('1');

      // A new flush (new once-id) of the same events would append them: the once-id is what guards.
      await flusher.apply(await flusher.prepare(lifecycleBatch(randomUUID(), at)), fence, 'term-1:2');
      expect((await ctx.store.hgetall(ctx.keys.minute(Math.floor(at / 60)))).succeeded).toBe('2');
    } finally {
      store.disconnect();
      admin.disconnect();
      ctx.close();
    }
  });
});
