import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Collector } from '@/lib/server/collector/collector';
import { countTasks } from '@/lib/server/tasks/count-tasks';
import { getTask } from '@/lib/server/tasks/get-task';
import { listTasks } from '@/lib/server/tasks/list-tasks';
import { listWorkers } from '@/lib/server/workers/list-workers';
import { runDriver, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';

// Issue 2's "done when": a workload of real Celery tasks shows in Trellis with exactly the states
// and counts that happened, and a retried task lists every attempt.

const Workload = z.object({
  success: z.array(z.string()),
  failure: z.string(),
  retry_fail: z.string(),
  retry_success: z.string(),
  eta: z.string(),
  revoked_running: z.string(),
  revoked_eta: z.string(),
  chord: z.object({ body: z.string(), header: z.array(z.string()) }),
  chain: z.array(z.string()),
  states: z.record(z.string(), z.string()),
});

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let workers: Worker[] = [];
let ctx: ReturnType<typeof testContext>;
let collector: Collector;
let w: z.infer<typeof Workload>;

beforeAll(async () => {
  server = await startRedis();
  ctx = testContext({ CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1) });
  collector = new Collector(ctx);
  await collector.start();
  workers = await Promise.all([
    startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'w1', queues: ['celery', 'fast'], concurrency: 2 }),
    // Prefork both: a threads-pool worker (Celery 5.2) holds its last task events in its task.multi
    // buffer until its next task event, which would make "exactly what happened" a matter of timing.
    startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'w2', queues: ['celery'], concurrency: 2 }),
  ]);
  w = Workload.parse(await runDriver(['workload', '--wait'], { brokerUrl: server.url(0), backendUrl: server.url(1) }));
}, 180_000);

afterAll(async () => {
  await Promise.all(workers.map((wk) => wk.stop()));
  await collector?.stop();
  ctx?.close();
  await server?.stop();
});

describe('a real Celery workload', () => {
  it('ran as the driver expected (the result backend agrees)', () => {
    const states = w.states;
    expect(Object.values(states).filter((s) => s === 'SUCCESS')).toHaveLength(12);
    expect(states[w.failure]).toBe('FAILURE');
    expect(states[w.retry_fail]).toBe('FAILURE');
    expect(states[w.revoked_running]).toBe('REVOKED');
    expect(states[w.revoked_eta]).toBe('REVOKED');
  });

  it('shows exactly the states and counts that happened', async () => {
    const counts = await waitFor(async () => {
      const c = await countTasks(ctx, 'state');
      return c.SUCCESS === 12 && c.FAILURE === 2 && c.REVOKED === 2 ? c : null;
    }, 'Trellis to agree with the backend', 30_000).catch(async (err: Error) => {
      const stuck = (await listTasks(ctx, { state: ['RECEIVED', 'STARTED', 'PENDING'], limit: 20 })).items;
      const detail = await Promise.all(stuck.map(async (t) => ({ id: t.id, name: t.name, worker: t.worker, backend: w.states[t.id], events: (await getTask(ctx, t.id)).events.map((e) => `${e.type}@${e.hostname}`) })));
      throw new Error(`${err.message}: ${JSON.stringify(await countTasks(ctx, 'state'))} ${JSON.stringify(detail)}`);
    });
    expect(counts).toEqual({ SUCCESS: 12, FAILURE: 2, REVOKED: 2 });
    // Every task the backend knows, Trellis shows in the same state.
    for (const [id, state] of Object.entries(w.states)) expect([id, (await getTask(ctx, id)).state]).toEqual([id, state]);
    expect(await countTasks(ctx, 'name')).toEqual({
      'tasks.add': 3 + 3 + 3,
      'tasks.xsum': 1,
      'tasks.fail': 1,
      'tasks.retry_then_fail': 1,
      'tasks.succeed_on_retry': 1,
      'tasks.echo': 2,
      'tasks.sleepy': 1,
    });
    const byWorker = await countTasks(ctx, 'worker');
    expect(Object.keys(byWorker).sort()).toEqual(workers.map((wk) => wk.hostname).sort());
    expect(Object.values(byWorker).reduce((a, b) => a + b, 0)).toBe(16);
    expect(await countTasks(ctx, 'queue')).toEqual({ celery: 15, fast: 1 });
    const page = await listTasks(ctx, { state: ['FAILURE'], limit: 10 });
    expect(page.items.map((t) => t.id).sort()).toEqual([w.failure, w.retry_fail].sort());
  });

  it('lists every attempt of a task that retried and then failed', async () => {
    const t = await getTask(ctx, w.retry_fail);
    expect(t.retries).toBe(2);
    expect(t.attempts.map((a) => [a.retries, a.outcome])).toEqual([
      [0, 'retried'],
      [1, 'retried'],
      [2, 'failed'],
    ]);
    expect(t.attempts[0]?.exception).toMatch(/KeyError\('attempt 0'\)/);
    expect(t.attempts[1]?.exception).toMatch(/KeyError\('attempt 1'\)/);
    // prefork reports `ExceptionWithTraceback()`; Trellis shows the traceback's last line instead.
    expect(t.attempts[2]?.exception).toMatch(/ValueError(\(|: )'?gave up after 2 retries/);
    for (const a of t.attempts) {
      expect(a.traceback).toMatch(/Traceback/);
      expect(workers.map((wk) => wk.hostname)).toContain(a.worker);
      expect(a.ran).toBeGreaterThanOrEqual(0);
      expect(a.waited).toBeGreaterThanOrEqual(0);
    }
    // Exponential backoff: the second retry waited longer than the first (0.3 s, then 0.6 s countdown).
    const gap1 = (t.attempts[1]?.started ?? 0) - (t.attempts[0]?.ended ?? 0);
    const gap2 = (t.attempts[2]?.started ?? 0) - (t.attempts[1]?.ended ?? 0);
    expect(gap1).toBeGreaterThan(0.25);
    expect(gap2).toBeGreaterThan(0.55);
    expect(t.backend?.status).toBe('FAILURE');
    expect(t.parentId).toBeNull();
  });

  it('shows a task that succeeded on its retry, with both attempts', async () => {
    const t = await getTask(ctx, w.retry_success);
    expect(t.state).toBe('SUCCESS');
    expect(t.attempts.map((a) => a.outcome)).toEqual(['retried', 'succeeded']);
    expect(t.attempts[0]?.exception).toMatch(/flaky backend/);
    expect(t.exception).toBeNull();
  });

  it('shows ETA, revoked and workflow tasks as they happened', async () => {
    const eta = await getTask(ctx, w.eta);
    expect(eta.eta).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((eta.started ?? 0) - (eta.received ?? 0)).toBeGreaterThan(1);

    const terminated = await getTask(ctx, w.revoked_running);
    expect(terminated.revoked).toMatchObject({ terminated: true });
    expect(terminated.attempts[0]?.outcome).toBe('revoked');
    const held = await getTask(ctx, w.revoked_eta);
    expect(held.revoked).toMatchObject({ terminated: false });
    expect(held.started).toBeNull();

    const chain = await listTasks(ctx, { root: w.chain[0] as string, limit: 50 });
    expect(chain.items.map((t) => t.id).sort()).toEqual([...w.chain].sort());
    const second = await getTask(ctx, w.chain[1] as string);
    expect(second.parentId).toBe(w.chain[0]);
    const body = await getTask(ctx, w.chord.body);
    expect(body.state).toBe('SUCCESS');
    expect(body.result).toBe('6');
  });

  it('tracks the workers as online, with their pids', async () => {
    const views = await waitFor(async () => {
      const v = await listWorkers(ctx);
      return v.length === 2 && v.every((x) => x.status === 'online') ? v : null;
    }, 'two online workers');
    expect(views.map((v) => v.pid).sort()).toEqual(workers.map((wk) => wk.pid).sort());
    expect(views[0]?.swVer).toBe('5.2.6');
  });
});
