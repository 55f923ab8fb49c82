import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '@/lib/server/collector/collector';
import { getHealth } from '@/lib/server/health/get-health';
import { countTasks } from '@/lib/server/tasks/count-tasks';
import { getTask } from '@/lib/server/tasks/get-task';
import { listTasks } from '@/lib/server/tasks/list-tasks';
import { listWorkers } from '@/lib/server/workers/list-workers';
import { startRedis } from '../support/redis-server';
import { lifecycle, publishHeartbeat, publishTaskEvents, testContext, waitFor } from '../support/trellis';

// The collector against a real redis-server, fed with events in Celery's exact wire format.

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

describe('collector', () => {
  it('stores tasks and workers, batched, and serves them through the domain API', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: server.url(0), TRELLIS_STORE_PREFIX: 'c1:' });
    const collector = new Collector(ctx);
    await collector.start();
    try {
      expect(collector.isLeader).toBe(true);
      const ok = Array.from({ length: 20 }, () => randomUUID());
      const bad = randomUUID();
      for (const id of ok) await publishTaskEvents(pub, 0, lifecycle(id));
      await publishTaskEvents(pub, 0, lifecycle(bad, 'tasks.fail', { type: 'task-failed', exception: "ValueError('bad thing')", traceback: 'Traceback…' }), 'w2@test');
      await publishTaskEvents(pub, 0, []); // threads pools send empty task.multi lists
      await publishHeartbeat(pub, 0, 'w1@test', 4242, 'worker-online');
      await pub.publish('/0.celeryev/task.multi', 'not json at all');
      await pub.publish('/0.celeryev/task.multi', JSON.stringify({ body: 'gAR9lC4=', 'content-type': 'application/x-python-serialize', properties: { body_encoding: 'base64' } }));

      const counts = await waitFor(async () => {
        const c = await countTasks(ctx, 'state');
        return c.SUCCESS === 20 && c.FAILURE === 1 ? c : null;
      }, 'tasks stored');
      expect(counts).toEqual({ SUCCESS: 20, FAILURE: 1 });
      expect(await countTasks(ctx, 'name')).toEqual({ 'tasks.add': 20, 'tasks.fail': 1 });
      expect(await countTasks(ctx, 'worker')).toEqual({ 'w1@test': 20, 'w2@test': 1 });

      const page = await listTasks(ctx, { limit: 5 });
      expect(page.items).toHaveLength(5);
      expect(page.nextCursor).not.toBeNull();
      const all = [...page.items];
      let cursor = page.nextCursor;
      while (cursor) {
        const next = await listTasks(ctx, { limit: 5, cursor });
        all.push(...next.items);
        cursor = next.nextCursor;
      }
      expect(new Set(all.map((t) => t.id)).size).toBe(21);
      expect(all.map((t) => t.firstSeen)).toEqual([...all.map((t) => t.firstSeen)].sort((a, b) => b - a));

      const asc = [];
      let ascCursor: string | null | undefined;
      do {
        const next = await listTasks(ctx, { limit: 4, order: 'asc', cursor: ascCursor ?? undefined });
        asc.push(...next.items);
        ascCursor = next.nextCursor;
      } while (ascCursor);
      expect(asc.map((t) => t.id)).toEqual(all.map((t) => t.id).reverse());

      const failed = await listTasks(ctx, { state: ['FAILURE'], limit: 50 });
      expect(failed.items.map((t) => t.id)).toEqual([bad]);
      expect((await listTasks(ctx, { worker: 'w2@test', limit: 50 })).items.map((t) => t.id)).toEqual([bad]);
      expect((await listTasks(ctx, { name: 'tasks.add', state: ['FAILURE'], limit: 50 })).items).toEqual([]);
      expect((await listTasks(ctx, { q: bad.slice(0, 8), limit: 50 })).items.map((t) => t.id)).toEqual([bad]);

      const detail = await getTask(ctx, bad);
      expect(detail).toMatchObject({ state: 'FAILURE', exception: "ValueError('bad thing')", worker: 'w2@test', backend: null });
      expect(detail.events.map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-failed']);

      const workers = await waitFor(async () => {
        const w = await listWorkers(ctx);
        return w.length ? w : null;
      }, 'worker stored');
      expect(workers[0]).toMatchObject({ hostname: 'w1@test', status: 'online', pid: 4242, swVer: '5.2.6' });

      const health = await waitFor(async () => {
        const h = await getHealth(ctx);
        return h.collector.malformedTotal >= 2 ? h : null;
      }, 'malformed counted', 5_000);
      expect(health.collector.running).toBe(true);
      expect(health.collector.malformedTotal).toBe(2);
      expect(health.collector.eventsTotal).toBe(21 * 3 + 1);
      // Ingestion is batched: far fewer commands than events reached Redis.
      expect(health.redis).toEqual({ store: true, broker: true, backend: true });
    } finally {
      await collector.stop();
      ctx.close();
    }
  });

  it('records a gap when the subscriber is dropped and reconciles unfinished tasks from the result backend', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: server.url(0), TRELLIS_STORE_PREFIX: 'c2:' });
    const collector = new Collector(ctx);
    await collector.start();
    try {
      const id = randomUUID();
      await publishTaskEvents(pub, 0, lifecycle(id).slice(0, 2)); // received, started: then we go deaf
      await waitFor(async () => (await getTask(ctx, id).catch(() => null))?.state === 'STARTED', 'task started');
      // While we are not listening, the worker finishes and stores the result.
      await pub.set(
        ctx.results.taskMetaKey(id),
        JSON.stringify({ status: 'SUCCESS', result: 5, traceback: null, children: [], date_done: new Date().toISOString().replace('Z', ''), task_id: id }),
      );
      await pub.client('KILL', 'TYPE', 'pubsub');
      const gap = await waitFor(async () => (await getHealth(ctx)).gaps[0], 'gap recorded');
      expect(gap.end).not.toBeNull();
      expect(gap.end as number).toBeGreaterThanOrEqual(gap.start);
      expect(gap.reason).toMatch(/dropped while Redis stayed up/);
      expect(gap.reconciled).toEqual({ checked: 1, updated: 1 });
      const t = await getTask(ctx, id);
      expect(t.state).toBe('SUCCESS');
      expect(t.result).toBe('5');
      expect(t.events.at(-1)).toMatchObject({ type: 'trellis-reconciled', inferred: true });
      expect(t.backend?.status).toBe('SUCCESS');
    } finally {
      await collector.stop();
      ctx.close();
    }
  });

  it('reconciles a task whose final event never arrived, without any gap', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: server.url(0), TRELLIS_STORE_PREFIX: 'c5:' });
    const collector = new Collector(ctx, { staleAfterS: 1, staleSweepMs: 300 });
    await collector.start();
    try {
      const id = randomUUID();
      await publishTaskEvents(pub, 0, lifecycle(id).slice(0, 2)); // the task-succeeded is lost
      await waitFor(async () => (await getTask(ctx, id).catch(() => null))?.state === 'STARTED', 'task started');
      await pub.set(ctx.results.taskMetaKey(id), JSON.stringify({ status: 'SUCCESS', result: 5, traceback: null, children: [], date_done: null, task_id: id }));
      const t = await waitFor(async () => {
        const x = await getTask(ctx, id);
        return x.state === 'SUCCESS' ? x : null;
      }, 'stale sweep', 10_000);
      expect(t.events.at(-1)).toMatchObject({ type: 'trellis-reconciled', inferred: true });
      expect((await getHealth(ctx)).gaps).toEqual([]);
    } finally {
      await collector.stop();
      ctx.close();
    }
  });

  it('enforces retention by count, oldest first', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: server.url(0), TRELLIS_STORE_PREFIX: 'c3:', TRELLIS_RETENTION_MAX_TASKS: '30' });
    const collector = new Collector(ctx);
    await collector.start();
    try {
      const ids = Array.from({ length: 80 }, () => randomUUID());
      for (const id of ids) await publishTaskEvents(pub, 0, lifecycle(id));
      await waitFor(async () => (await countTasks(ctx, 'state')).SUCCESS === 30, 'retention to 30 tasks', 20_000);
      const kept = (await listTasks(ctx, { limit: 100 })).items.map((t) => t.id);
      expect(kept).toHaveLength(30);
      expect(await ctx.store.exists(ctx.keys.task(ids[0] as string))).toBe(0);
      expect(await ctx.store.zcard(ctx.keys.index('name', 'tasks.add'))).toBe(30);
    } finally {
      await collector.stop();
      ctx.close();
    }
  });

  it('keeps history across a restart and records the unobserved period', async () => {
    const env = { CELERY_BROKER_URL: server.url(0), TRELLIS_STORE_PREFIX: 'c4:' };
    const ctx = testContext(env);
    const first = new Collector(ctx);
    await first.start();
    const id = randomUUID();
    await publishTaskEvents(pub, 0, lifecycle(id));
    await waitFor(async () => (await getTask(ctx, id).catch(() => null))?.state === 'SUCCESS', 'stored');
    await first.stop();
    const second = new Collector(ctx);
    await second.start();
    try {
      expect(second.isLeader).toBe(true);
      expect((await getTask(ctx, id)).state).toBe('SUCCESS');
      const gap = await waitFor(async () => (await getHealth(ctx)).gaps[0], 'restart gap');
      expect(gap.reason).toMatch(/collector stopped/);
    } finally {
      await second.stop();
      ctx.close();
    }
  });
});
