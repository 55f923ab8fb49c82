import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Fence } from '@/lib/server/collector/fence';
import { Flusher } from '@/lib/server/collector/flusher';
import { IngestStats } from '@/lib/server/collector/ingest-stats';
import { PendingBatch } from '@/lib/server/collector/pending-batch';
import { decodeField, encodeField } from '@/lib/server/metrics/totals-fields';
import { startRedis } from '../support/redis-server';
import { testContext } from '../support/trellis';

// The cumulative totals as the collector's flush writes them, against a real Redis: counted once
// when a flush is retried with its once-id, and the task-name cap holds in the store across terms.

const server = await startRedis();
afterAll(() => server.stop());

function lifecycle(name: string): PendingBatch {
  const id = randomUUID();
  const at = Date.now() / 1000;
  const batch = new PendingBatch();
  const base = { hostname: 'w1@test', lr: at };
  batch.addTask(id, { ...base, type: 'task-received', timestamp: at, name, args: '()', kwargs: '{}', queue: 'celery' });
  batch.addTask(id, { ...base, type: 'task-started', timestamp: at + 0.01 });
  batch.addTask(id, { ...base, type: 'task-succeeded', timestamp: at + 0.02, runtime: 0.01 });
  return batch;
}

const succeeded = (name: string) => encodeField({ kind: 'event', type: 'task-succeeded', name, hostname: 'w1@test', queue: 'celery', exception: '' });

describe('cumulative totals written by the flush', () => {
  it('count a flush retried with the same once-id once', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: server.url(0) });
    try {
      await ctx.store.set(ctx.keys.lease, 'term-1', 'PX', 30_000);
      const fence = new Fence(ctx.store, ctx.keys, 'term-1');
      const flusher = new Flusher(ctx, new IngestStats());
      const prepared = await flusher.prepare(lifecycle('tasks.add'));
      await flusher.apply(prepared, fence, 'term-1:1');
      await flusher.apply(prepared, fence, 'term-1:1');
      expect(await ctx.store.hget(ctx.keys.totals, succeeded('tasks.add'))).toBe('1');
      await flusher.apply(await flusher.prepare(lifecycle('tasks.add')), fence, 'term-1:2');
      expect(await ctx.store.hget(ctx.keys.totals, succeeded('tasks.add'))).toBe('2');
    } finally {
      ctx.close();
    }
  });

  it('keep the task-name cap across terms: a later term folds a new name into other', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: server.url(1), TRELLIS_METRICS_TASK_NAMES: '2' });
    try {
      await ctx.store.set(ctx.keys.lease, 'term-a', 'PX', 30_000);
      const first = new Flusher(ctx, new IngestStats());
      const fenceA = new Fence(ctx.store, ctx.keys, 'term-a');
      await first.apply(await first.prepare(lifecycle('a')), fenceA, 'term-a:1');
      await first.apply(await first.prepare(lifecycle('b')), fenceA, 'term-a:2');

      // A new term (another process after a handover) starts from what the store holds.
      await ctx.store.set(ctx.keys.lease, 'term-b', 'PX', 30_000);
      const second = new Flusher(ctx, new IngestStats());
      const fenceB = new Fence(ctx.store, ctx.keys, 'term-b');
      await second.apply(await second.prepare(lifecycle('c')), fenceB, 'term-b:1');
      await second.apply(await second.prepare(lifecycle('a')), fenceB, 'term-b:2');

      const fields = Object.keys(await ctx.store.hgetall(ctx.keys.totals)).map(decodeField);
      const names = new Set(fields.flatMap((f) => (f?.kind === 'event' ? [f.name] : [])));
      expect([...names].sort()).toEqual(['a', 'b', 'other']);
      expect(fields.filter((f) => f?.kind === 'admitted' && f.dimension === 'name').map((f) => f?.kind === 'admitted' && f.value).sort()).toEqual(['a', 'b']);
      expect(await ctx.store.hget(ctx.keys.totals, succeeded('a'))).toBe('2');
      expect(await ctx.store.hget(ctx.keys.totals, encodeField({ kind: 'event', type: 'task-succeeded', name: 'other', hostname: 'other', queue: 'other', exception: '' }))).toBe('1');
    } finally {
      ctx.close();
    }
  });
});
