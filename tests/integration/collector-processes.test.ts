import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHealth } from '@/lib/server/health/get-health';
import { countTasks } from '@/lib/server/tasks/count-tasks';
import { startRedis } from '../support/redis-server';
import { exited, lifecycle, publishTaskEvents, spawnCollector, testContext, waitFor } from '../support/trellis';

// Collectors as separate processes (`scripts/collector.ts`, what `npm run collector` runs).

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let pub: Redis;

beforeAll(async () => {
  server = await startRedis();
  pub = new Redis(server.url(0));
});
afterAll(async () => {
  pub.disconnect();
  await server.stop();
});

describe('collector processes', () => {
  it('exactly one of two collects, and the other takes over within 10 s when it is killed', async () => {
    const env = { CELERY_BROKER_URL: server.url(0), TRELLIS_STORE_PREFIX: 'p1:' };
    const ctx = testContext(env);
    const a = spawnCollector(env);
    const b = spawnCollector(env);
    try {
      const first = await waitFor(() => ctx.store.get(ctx.keys.lease), 'a lease holder', 20_000);
      await new Promise((r) => setTimeout(r, 3_000)); // both running: the holder must not change
      expect(await ctx.store.get(ctx.keys.lease)).toBe(first);
      const holderPid = Number(first.split(':')[1]);
      const [leader, standby] = a.pid === holderPid ? [a, b] : [b, a];
      expect(leader.pid).toBe(holderPid);

      // Only the holder writes: a task is stored once, not twice.
      const id = randomUUID();
      await publishTaskEvents(pub, 0, lifecycle(id));
      await waitFor(async () => (await countTasks(ctx, 'state')).SUCCESS === 1, 'task stored');
      await waitFor(async () => (await ctx.store.hget(ctx.keys.collectorStats, 'eventsTotal')) === '3', 'stats published');

      const killedAt = Date.now();
      leader.kill('SIGKILL');
      await exited(leader);
      const next = await waitFor(async () => {
        const h = await ctx.store.get(ctx.keys.lease);
        return h && h !== first ? h : null;
      }, 'takeover', 12_000);
      const tookMs = Date.now() - killedAt;
      expect(Number(next.split(':')[1])).toBe(standby.pid);
      expect(tookMs).toBeLessThan(10_000);

      // The new holder collects, and the period nobody collected is a recorded gap.
      const id2 = randomUUID();
      await waitFor(async () => (await getHealth(ctx)).collector.running, 'new collector running');
      await publishTaskEvents(pub, 0, lifecycle(id2));
      await waitFor(async () => (await countTasks(ctx, 'state')).SUCCESS === 2, 'task stored by the new collector');
      const gap = await waitFor(async () => (await getHealth(ctx)).gaps.find((g) => /lease expired/.test(g.reason)), 'handover gap');
      expect(gap.end as number).toBeGreaterThan(gap.start);
      expect((gap.end as number) - gap.start).toBeLessThan(12);
    } finally {
      a.kill('SIGKILL');
      b.kill('SIGKILL');
      await Promise.all([exited(a), exited(b)]);
      ctx.close();
    }
  }, 60_000);

  it('records a gap when Redis drops a stalled subscriber for its pub/sub output buffer limit', async () => {
    const env = { CELERY_BROKER_URL: server.url(0), TRELLIS_STORE_PREFIX: 'p2:' };
    const ctx = testContext(env);
    await pub.config('SET', 'client-output-buffer-limit', 'pubsub 256kb 128kb 1');
    const c = spawnCollector(env);
    try {
      await waitFor(async () => (await getHealth(ctx)).collector.running, 'collector running', 20_000);
      c.kill('SIGSTOP'); // the collector stops reading; Redis buffers for it, then drops it
      // More than the kernel's socket buffers absorb (~20 MB), so Redis' own buffer for it grows.
      const filler = 'x'.repeat(4_000);
      for (let i = 0; i < 5_000; i++) await publishTaskEvents(pub, 0, [{ type: 'task-received', uuid: randomUUID(), name: 'tasks.big', args: filler, kwargs: '{}', retries: 0 }]);
      c.kill('SIGCONT');
      const gap = await waitFor(async () => (await getHealth(ctx)).gaps.find((g) => /output-buffer limit/.test(g.reason)), 'buffer-limit gap', 20_000);
      expect(gap.end).not.toBeNull();
      // It listens again afterwards.
      const id = randomUUID();
      await waitFor(async () => {
        await publishTaskEvents(pub, 0, lifecycle(id));
        return (await countTasks(ctx, 'state')).SUCCESS === 1;
      }, 'collecting again', 20_000);
    } finally {
      c.kill('SIGCONT');
      c.kill('SIGKILL');
      await exited(c);
      await pub.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
      ctx.close();
    }
  }, 60_000);
});
