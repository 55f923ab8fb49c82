import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { APP_DIR, celeryEnv, PYTHON, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';
import { Collector } from '@/lib/server/collector/collector';
import type { AuditRecord, AuditVerification } from '@/lib/server/actions/audit-log';
import type { WorkerControlResult } from '@/lib/schemas/worker-control';
import { getTask } from '@/lib/server/tasks/get-task';
import { listWorkers } from '@/lib/server/workers/list-workers';

// Worker control through POST /api/v1/workers/{hostname}/control/{command} against real Celery 5.2
// workers; each command's effect is read back with `celery inspect … --json` run as a separate
// real client (its own process and connection), not through Trellis. Every action is in the
// audit log, whose chain verifies; a viewer is refused, and so is everyone in read-only mode.

const run = promisify(execFile);
type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let w1: Worker; // prefork -c 2, pool restarts enabled, task events off (enable_events turns them on)
let w2: Worker; // prefork with an autoscaler (max 4, min 1)
let ctx: ReturnType<typeof testContext>;
let collector: Collector;
let route: typeof import('@/app/api/v1/workers/[hostname]/control/[command]/route');
let tokens: { operator: string; viewer: string };
let readOnlyStore: { disconnect(): void } | undefined;

type Answer<T> = { status: number; body: T };

async function control<T = WorkerControlResult>(hostname: string, command: string, body: unknown = {}, token = tokens.operator, handler = route.POST): Promise<Answer<T>> {
  const res = await handler(
    new Request(`http://localhost/api/v1/workers/${encodeURIComponent(hostname)}/control/${command}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
    { params: Promise.resolve({ hostname, command }) },
  );
  return { status: res.status, body: (await res.json()) as T };
}

/** `celery -A tasks inspect <args> -d <worker> --json`, a separate client process: the worker's reply. */
async function celeryInspect(worker: Worker, args: string[]): Promise<unknown> {
  const { stdout } = await run(PYTHON, ['-m', 'celery', '-A', 'tasks', 'inspect', ...args, '-d', worker.hostname, '-t', '5', '--json'], {
    cwd: APP_DIR,
    env: celeryEnv(server.url(0), server.url(1)),
    timeout: 60_000,
  });
  const replies = z.record(z.string(), z.unknown()).parse(JSON.parse(stdout.trim().split('\n').pop() ?? '{}'));
  return replies[worker.hostname];
}

const Stats = z.object({ pool: z.looseObject({ processes: z.array(z.number()) }), autoscaler: z.looseObject({}).optional() }).loose();
const stats = async (w: Worker) => Stats.parse(await celeryInspect(w, ['stats']));
const activeQueues = async (w: Worker) => z.array(z.looseObject({ name: z.string() })).parse(await celeryInspect(w, ['active_queues'])).map((q) => q.name).sort();
const registered = async (w: Worker, name: string) =>
  z
    .array(z.string())
    .parse(await celeryInspect(w, ['registered', 'rate_limit', 'time_limit', 'soft_time_limit']))
    .find((t) => t.startsWith(`${name} `) || t === name);

/** Sends tasks.add(2, 3) from a client process and waits for its result; returns its id. */
async function addAndWait(): Promise<string> {
  const code = 'import json; from tasks import add; r = add.apply_async((2, 3)); r.get(timeout=30); print(json.dumps(r.id))';
  const { stdout } = await run(PYTHON, ['-c', code], { cwd: APP_DIR, env: celeryEnv(server.url(0), server.url(1)), timeout: 60_000 });
  return z.string().parse(JSON.parse(stdout.trim().split('\n').pop() ?? '""'));
}

/** The events a worker sent for a task, as Trellis stored them (not inferred from the result backend). */
async function workerEvents(id: string, hostname: string): Promise<string[]> {
  const task = await getTask(ctx, id).catch(() => null);
  return (task?.events ?? []).filter((e) => !e.inferred && e.hostname === hostname).map((e) => e.type);
}

function ok(a: Answer<WorkerControlResult>, hostname: string): WorkerControlResult {
  expect(a.status).toBe(200);
  expect(a.body.replies).toEqual([expect.objectContaining({ hostname, status: 'ok' })]);
  return a.body;
}

beforeAll(async () => {
  server = await startRedis();
  const brokerUrl = server.url(0);
  const backendUrl = server.url(1);
  [w1, w2] = await Promise.all([
    startWorker({
      brokerUrl,
      backendUrl,
      name: 'wc1',
      queues: ['celery'],
      concurrency: 2,
      taskEvents: false,
      env: { CELERY_EXTRA_CONF: JSON.stringify({ worker_pool_restarts: true, worker_send_task_events: false }) },
    }),
    startWorker({ brokerUrl, backendUrl, name: 'wc2', queues: ['wc2-only'], extraArgs: ['--autoscale=4,1'] }),
  ]);
  const env = { CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, TRELLIS_AUTH: 'password', TRELLIS_LOG_LEVEL: 'silent', TRELLIS_INSPECT_TIMEOUT: '3' };
  Object.assign(process.env, env);
  ctx = testContext(env);
  collector = new Collector(ctx);
  await collector.start();
  await waitFor(async () => (await listWorkers(ctx)).filter((w) => w.status === 'online').length === 2, 'both workers online in the store', 30_000);
  const { createToken } = await import('@/lib/server/auth/tokens');
  tokens = {
    operator: (await createToken(ctx, { name: 'ops', role: 'operator' }, 'test')).token,
    viewer: (await createToken(ctx, { name: 'watcher', role: 'viewer' }, 'test')).token,
  };
  route = await import('@/app/api/v1/workers/[hostname]/control/[command]/route');
}, 180_000);

afterAll(async () => {
  await collector?.stop();
  await Promise.all([w1, w2].map((w) => w?.kill()));
  ctx?.close();
  readOnlyStore?.disconnect();
  await server?.stop();
});

describe('worker control against real workers, checked with celery inspect', () => {
  it('ping answers pong', async () => {
    const body = ok(await control(w1.hostname, 'ping'), w1.hostname);
    expect(body.replies[0]?.reply).toBe('pong');
    expect(body.expectsReply).toBe(true);
  });

  it('pool_grow and pool_shrink change stats.pool.processes', async () => {
    expect((await stats(w1)).pool.processes).toHaveLength(2);
    ok(await control(w1.hostname, 'pool_grow', { n: 2 }), w1.hostname);
    await waitFor(async () => (await stats(w1)).pool.processes.length === 4, 'four pool processes');
    const shrink = ok(await control(w1.hostname, 'pool_shrink', { n: 3 }), w1.hostname);
    expect(shrink.arguments).toEqual({ n: 3 });
    await waitFor(async () => (await stats(w1)).pool.processes.length === 1, 'one pool process');
  });

  it('autoscale changes stats.autoscaler; a worker without an autoscaler answers an error', async () => {
    expect((await stats(w2)).autoscaler).toMatchObject({ max: 4, min: 1 });
    ok(await control(w2.hostname, 'autoscale', { max: 6, min: 2 }), w2.hostname);
    await waitFor(async () => {
      const a = (await stats(w2)).autoscaler;
      return a?.max === 6 && a.min === 2;
    }, 'autoscaler max 6 min 2');

    const refused = await control(w1.hostname, 'autoscale', { max: 3, min: 1 });
    expect(refused.status).toBe(200);
    expect(refused.body.replies).toEqual([{ hostname: w1.hostname, status: 'error', error: expect.stringMatching(/autoscale/i) }]);
    const bad = await control<{ error: { code: string; message: string } }>(w2.hostname, 'autoscale', { max: 1, min: 2 });
    expect(bad).toMatchObject({ status: 422, body: { error: { code: 'INVALID_INPUT', message: expect.stringMatching(/min must not exceed max/) } } });
  });

  it('add_consumer and cancel_consumer change active_queues', async () => {
    expect(await activeQueues(w1)).toEqual(['celery']);
    const added = ok(await control(w1.hostname, 'add_consumer', { queue: 'wc-extra', routingKey: 'wc-extra' }), w1.hostname);
    expect(added.arguments).toEqual({ queue: 'wc-extra', routing_key: 'wc-extra' });
    expect(await activeQueues(w1)).toEqual(['celery', 'wc-extra']);
    ok(await control(w1.hostname, 'cancel_consumer', { queue: 'wc-extra' }), w1.hostname);
    expect(await activeQueues(w1)).toEqual(['celery']);
  });

  it('rate_limit and time_limit show in registered (taskinfoitems)', async () => {
    expect(await registered(w1, 'tasks.add')).toBe('tasks.add');
    const limited = ok(await control(w1.hostname, 'rate_limit', { task: 'tasks.add', rateLimit: '10/m' }), w1.hostname);
    expect(limited.arguments).toEqual({ task_name: 'tasks.add', rate_limit: '10/m' });
    expect(await registered(w1, 'tasks.add')).toBe('tasks.add [rate_limit=10/m]');
    ok(await control(w1.hostname, 'time_limit', { task: 'tasks.sleepy', soft: 30, hard: 60 }), w1.hostname);
    expect(await registered(w1, 'tasks.sleepy')).toBe('tasks.sleepy [time_limit=60 soft_time_limit=30]');
    ok(await control(w1.hostname, 'rate_limit', { task: 'tasks.add', rateLimit: null }), w1.hostname);
    expect(await registered(w1, 'tasks.add')).toBe('tasks.add');

    const unknown = await control(w1.hostname, 'rate_limit', { task: 'tasks.nope', rateLimit: '1/s' });
    expect(unknown.body.replies).toEqual([{ hostname: w1.hostname, status: 'error', error: expect.stringMatching(/unknown task/i) }]);
    for (const body of [{ task: 'tasks.add', rateLimit: 'fast' }, { task_name: 'tasks.add', rate_limit: '1/s' }, { task: 'tasks.add; rm', rateLimit: '1/s' }]) {
      expect((await control(w1.hostname, 'rate_limit', body)).status).toBe(422);
    }
  });

  it('enable_events makes task events reach Trellis; disable_events stops them', async () => {
    /** Runs a task; once the client's task-sent is stored (the collector keeps up), the worker's events for it. */
    const runAndListen = async () => {
      const id = await addAndWait();
      await waitFor(async () => (await getTask(ctx, id).catch(() => null))?.events.some((e) => e.type === 'task-sent'), 'task-sent');
      await new Promise((r) => setTimeout(r, 2_000));
      return workerEvents(id, w1.hostname);
    };
    expect(await runAndListen()).toEqual([]); // started without task events

    expect(ok(await control(w1.hostname, 'enable_events'), w1.hostname).replies[0]?.reply).toBe('task events enabled');
    expect(await runAndListen()).toEqual(expect.arrayContaining(['task-received', 'task-started', 'task-succeeded']));

    expect(ok(await control(w1.hostname, 'disable_events'), w1.hostname).replies[0]?.reply).toBe('task events disabled');
    expect(await runAndListen()).toEqual([]);

    // Celery 5.2: a worker started with task events on (-E) sends every group, and its
    // disable_events changes nothing; the worker says so, and the answer shows it.
    expect(ok(await control(w2.hostname, 'disable_events'), w2.hostname).replies[0]?.reply).toBe('task events already disabled');
  });

  it('pool_restart replaces the pool processes (worker_pool_restarts enabled)', async () => {
    const before = (await stats(w1)).pool.processes;
    const restarted = ok(await control(w1.hostname, 'pool_restart', { reload: false }), w1.hostname);
    expect(restarted.replies[0]?.reply).toMatch(/reload started/);
    await waitFor(async () => {
      const now = (await stats(w1)).pool.processes;
      return now.length > 0 && now.every((p) => !before.includes(p));
    }, 'new pool pids', 30_000);
    // w2 has no pool restarts: its error is the reply.
    const refused = await control(w2.hostname, 'pool_restart');
    expect(refused.body.replies).toEqual([{ hostname: w2.hostname, status: 'error', error: expect.stringMatching(/pool restarts not enabled/i) }]);
  });

  it('refuses an unknown worker (404 before any action: not audited), a viewer (403), and everyone in read-only mode (403 READ_ONLY)', async () => {
    expect((await control('nobody@nowhere', 'ping')).status).toBe(404);
    expect((await control(w1.hostname, 'self_destruct')).status).toBe(422);
    const viewer = await control<{ error: { code: string } }>(w1.hostname, 'pool_grow', { n: 1 }, tokens.viewer);
    expect(viewer).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });

    // A fresh process context with TRELLIS_READ_ONLY=true (the module cache reset, as a restart would).
    process.env.TRELLIS_READ_ONLY = 'true';
    try {
      vi.resetModules();
      const readOnly = await import('@/app/api/v1/workers/[hostname]/control/[command]/route');
      const refused = await control<{ error: { code: string } }>(w1.hostname, 'pool_grow', { n: 1 }, tokens.operator, readOnly.POST);
      expect(refused).toMatchObject({ status: 403, body: { error: { code: 'READ_ONLY' } } });
      const { getContext } = await import('@/lib/server/context');
      readOnlyStore = getContext().store;
    } finally {
      delete process.env.TRELLIS_READ_ONLY;
      vi.resetModules(); // modules imported from here on get a writable context again
    }
    expect((await stats(w1)).pool.processes.length).toBeLessThan(4); // not grown by either refusal
  });

  it('shutdown stops the worker (no reply expected); Trellis sees it go offline', async () => {
    const down = await control(w2.hostname, 'shutdown');
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ expectsReply: false, replies: [{ hostname: w2.hostname, status: 'no-reply' }] });
    await waitFor(
      async () => {
        try {
          process.kill(w2.pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      'the worker process exits',
      30_000,
    );
    await waitFor(async () => (await listWorkers(ctx)).find((w) => w.hostname === w2.hostname)?.status === 'offline', 'worker-offline in Trellis', 15_000);
  });

  it('the audit log holds every action, refusals and failures too, and its chain verifies', async () => {
    const audit = await import('@/app/api/v1/audit/route');
    const verify = await import('@/app/api/v1/audit/verify/route');
    const get = async <T,>(handler: typeof audit.GET, url: string): Promise<Answer<T>> => {
      const res = await handler(new Request(`http://localhost${url}`, { headers: { authorization: `Bearer ${tokens.operator}` } }));
      return { status: res.status, body: (await res.json()) as T };
    };
    const page = await get<{ items: AuditRecord[] }>(audit.GET, '/api/v1/audit?action=workers.&limit=500');
    expect(page.status).toBe(200);
    const seen = page.body.items.map((e) => `${e.action} ${e.target === w1.hostname ? 'w1' : 'w2'} ${e.outcome}`).reverse();
    expect(seen).toEqual([
      'workers.ping w1 ok',
      'workers.pool_grow w1 ok',
      'workers.pool_shrink w1 ok',
      'workers.autoscale w2 ok',
      'workers.autoscale w1 failed',
      'workers.add_consumer w1 ok',
      'workers.cancel_consumer w1 ok',
      'workers.rate_limit w1 ok',
      'workers.time_limit w1 ok',
      'workers.rate_limit w1 ok',
      'workers.rate_limit w1 failed',
      'workers.enable_events w1 ok',
      'workers.disable_events w1 ok',
      'workers.disable_events w2 ok',
      'workers.pool_restart w1 ok',
      'workers.pool_restart w2 failed',
      'workers.pool_grow w1 refused',
      'workers.shutdown w2 ok',
    ]);
    const grow = page.body.items.find((e) => e.action === 'workers.pool_grow' && e.outcome === 'ok');
    expect(grow).toMatchObject({ actor: { name: 'ops', role: 'operator' }, params: { n: 2 }, replies: { [w1.hostname]: expect.stringMatching(/pool will grow/) }, requestId: expect.any(String) });
    expect(page.body.items.find((e) => e.outcome === 'refused')?.error).toMatch(/read-only/);
    expect((await get<AuditVerification>(verify.GET, '/api/v1/audit/verify')).body).toMatchObject({ ok: true, broken: null, checked: seen.length });
  });
});
