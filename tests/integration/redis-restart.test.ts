import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Collector } from '@/lib/server/collector/collector';
import { getHealth } from '@/lib/server/health/get-health';
import { getTask } from '@/lib/server/tasks/get-task';
import { listTasks } from '@/lib/server/tasks/list-tasks';
import { runDriver, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';

// Issue 2: stopping and restarting Redis mid-traffic gives a recorded gap and reconciled task
// states, and no crash. Trellis keeps its history in its own Redis here (TRELLIS_STORE_URL), as a
// production deployment whose broker restarts without persistence would.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let broker: RedisServer;
let store: RedisServer;
let worker: Worker;
let ctx: ReturnType<typeof testContext>;
let collector: Collector;

beforeAll(async () => {
  [broker, store] = await Promise.all([startRedis(), startRedis()]);
  ctx = testContext({ CELERY_BROKER_URL: broker.url(0), CELERY_RESULT_BACKEND: broker.url(1), TRELLIS_STORE_URL: store.url(0) });
  collector = new Collector(ctx);
  await collector.start();
  worker = await startWorker({ brokerUrl: broker.url(0), backendUrl: broker.url(1), name: 'r1', concurrency: 4 });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await collector?.stop();
  ctx?.close();
  await Promise.all([broker?.stop(), store?.stop()]);
});

describe('Redis restarts mid-traffic', () => {
  it('records the gap, reconciles unfinished tasks against the backend, and keeps collecting', async () => {
    // Four tasks on a four-process worker, running when Redis goes away and finishing after it is
    // back. (In Celery 5.2 a task finishing *during* the outage loses its result, and prefetched
    // messages the worker fails to restore while Redis is down wait in `unacked` for the visibility
    // timeout — real behaviour, but not what this test is about.)
    const { ids } = z.object({ ids: z.array(z.string()) }).parse(await runDriver(['sleepers', '4', '4'], { brokerUrl: broker.url(0), backendUrl: broker.url(1) }));
    await waitFor(async () => (await listTasks(ctx, { state: ['STARTED'], limit: 10 })).items.length > 0, 'tasks running');

    // Stop Redis (its data saved, as a restart with persistence would keep it), then start it again.
    const admin = new Redis(broker.url(0));
    await admin.save();
    admin.disconnect();
    const downAt = Date.now() / 1000;
    await broker.kill();
    await new Promise((r) => setTimeout(r, 2_000));
    await broker.start();
    const upAt = Date.now() / 1000;

    const gap = await waitFor(async () => (await getHealth(ctx)).gaps.find((g) => g.end !== null && /Redis/.test(g.reason)), 'gap recorded', 30_000);
    expect(gap.reason).toMatch(/Redis restarted/);
    expect(gap.start).toBeLessThanOrEqual(downAt + 0.5);
    expect(gap.end as number).toBeGreaterThanOrEqual(upAt - 0.5);
    expect(gap.reconciled).not.toBeNull();

    // Every task ends as the result backend says, whether its events got through or not.
    const backend = new Redis(broker.url(1));
    const finalStates = await waitFor(async () => {
      const metas = await backend.mget(ids.map((id) => `celery-task-meta-${id}`));
      const states = metas.map((m) => (m ? (JSON.parse(m) as { status: string }).status : null));
      return states.every((s) => s === 'SUCCESS') ? states : null;
    }, 'workers to finish', 60_000);
    backend.disconnect();
    expect(finalStates).toHaveLength(4);
    await waitFor(async () => {
      const states = await Promise.all(ids.map(async (id) => (await getTask(ctx, id)).state));
      return states.every((s) => s === 'SUCCESS');
    }, 'Trellis states to match the backend', 60_000);

    // No crash: this process still collects, and new traffic is seen.
    expect(collector.isLeader).toBe(true);
    const more = z.object({ ids: z.array(z.string()) }).parse(await runDriver(['burst', '3', '--wait'], { brokerUrl: broker.url(0), backendUrl: broker.url(1) }));
    await waitFor(async () => (await Promise.all(more.ids.map(async (id) => (await getTask(ctx, id).catch(() => null))?.state))).every((s) => s === 'SUCCESS'), 'new tasks after the restart');
    expect((await getHealth(ctx)).status).toBe('ok');
  }, 180_000);
});
