import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { APP_DIR, celeryEnv, PYTHON, runDriver, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { call, entriesDiff, fixture, jsonType, shapeDiff, workerDiff, type Answer, type Handler } from '../support/flower';
import { testContext, waitFor } from '../support/trellis';
import { listAudit } from '@/lib/server/actions/audit-log';
import { readBackendMeta } from '@/lib/server/backend/read-backend-meta';
import { Collector } from '@/lib/server/collector/collector';
import { listWorkers } from '@/lib/server/workers/list-workers';

// Flower's REST API paths in Trellis, answered on the same traffic a real Flower 2.1 answered in
// tests/fixtures/flower (scripts/capture-flower.sh: two workers of examples/celery_app, w1 prefork
// on celery,fast and w2 threads, events on, after `driver.py workload` and one running sleepy(40)). Compared: status, content type, and the body's shape (keys, value types, nesting);
// values that depend on the run (ids, times, hostnames) by type only. Flower's sentences are
// compared word for word once the capture's hostnames are replaced by this run's.
// docs/flower-compat.md lists every difference these tests pin down.

let server: Awaited<ReturnType<typeof startRedis>>;
let w1: Worker;
let w2: Worker;
let ctx: ReturnType<typeof testContext>;
let collector: Collector;
let ids: { success: string[]; failure: string; revoked_running: string };
let sleepyId: string;
/** The capture's hostnames (`w1@vm`) as this run's. */
let here: (text: string) => string;
let r: {
  health: typeof import('@/app/healthcheck/route');
  workers: typeof import('@/app/api/workers/route');
  tasks: typeof import('@/app/api/tasks/route');
  types: typeof import('@/app/api/task/types/route');
  info: typeof import('@/app/api/task/info/[id]/route');
  result: typeof import('@/app/api/task/result/[id]/route');
  queues: typeof import('@/app/api/queues/length/route');
  grow: typeof import('@/app/api/worker/pool/grow/[hostname]/route');
  shrink: typeof import('@/app/api/worker/pool/shrink/[hostname]/route');
  autoscale: typeof import('@/app/api/worker/pool/autoscale/[hostname]/route');
  restart: typeof import('@/app/api/worker/pool/restart/[hostname]/route');
  addConsumer: typeof import('@/app/api/worker/queue/add-consumer/[hostname]/route');
  cancelConsumer: typeof import('@/app/api/worker/queue/cancel-consumer/[hostname]/route');
  rateLimit: typeof import('@/app/api/task/rate-limit/[name]/route');
  timeout: typeof import('@/app/api/task/timeout/[name]/route');
  shutdown: typeof import('@/app/api/worker/shutdown/[hostname]/route');
  asyncApply: typeof import('@/app/api/task/async-apply/[name]/route');
  sendTask: typeof import('@/app/api/task/send-task/[name]/route');
  apply: typeof import('@/app/api/task/apply/[name]/route');
  abort: typeof import('@/app/api/task/abort/[id]/route');
  revoke: typeof import('@/app/api/task/revoke/[id]/route');
};

/** What a separate real client (`app.control.inspect`) reports for one worker. */
function celeryInspect(method: 'stats' | 'active_queues' | 'conf', worker: string): unknown {
  const code = `import json; from tasks import app; print(json.dumps(app.control.inspect(destination=[${JSON.stringify(worker)}], timeout=2).${method}()))`;
  const out = spawnSync(PYTHON, ['-c', code], { cwd: APP_DIR, env: celeryEnv(server.url(0), server.url(1)), encoding: 'utf8', timeout: 30_000 });
  if (out.status !== 0) throw new Error(out.stderr);
  return (JSON.parse(out.stdout.trim().split('\n').pop() ?? 'null') as Record<string, unknown> | null)?.[worker];
}

beforeAll(async () => {
  server = await startRedis();
  const brokerUrl = server.url(0);
  const backendUrl = server.url(1);
  [w1, w2] = await Promise.all([
    startWorker({ brokerUrl, backendUrl, name: 'w1', queues: ['celery', 'fast'], pool: 'prefork', concurrency: 2 }),
    // w2 (threads) consumed `celery` in the capture; here it gets no tasks: a threads pool now and then
    // never sends a task's last event, and the tasks compared value by value must be complete.
    startWorker({ brokerUrl, backendUrl, name: 'w2', queues: ['w2'], pool: 'threads', concurrency: 2 }),
  ]);
  Object.assign(process.env, { CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, TRELLIS_LOG_LEVEL: 'silent', TRELLIS_INSPECT_TIMEOUT: '2' });
  ctx = testContext({ CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, TRELLIS_INSPECT_TIMEOUT: '2' });
  collector = new Collector(ctx);
  await collector.start();
  await waitFor(async () => (await listWorkers(ctx)).filter((w) => w.status === 'online').length === 2, 'two workers online');
  ids = z.object({ success: z.array(z.string()), failure: z.string(), revoked_running: z.string() }).parse(await runDriver(['workload', '--wait'], { brokerUrl, backendUrl }));
  const sleepy = spawnSync(PYTHON, ['-c', 'from tasks import sleepy; print(sleepy.apply_async((40,)).id)'], { cwd: APP_DIR, env: celeryEnv(brokerUrl, backendUrl), encoding: 'utf8', timeout: 30_000 });
  sleepyId = sleepy.stdout.trim();
  const { getTask } = await import('@/lib/server/tasks/get-task');
  await waitFor(async () => (await getTask(ctx, sleepyId).catch(() => null))?.state === 'STARTED', 'the sleepy task started', 30_000);
  // Every workload task recorded (as many as Flower saw), and the ones compared value by value final.
  const { listTasks } = await import('@/lib/server/tasks/list-tasks');
  const seen = Object.keys(fixture('tasks').body as object).length;
  await waitFor(async () => (await listTasks(ctx, { limit: 100 })).items.length === seen, `${seen} tasks recorded`, 60_000);
  for (const [id, state] of [[ids.failure, 'FAILURE'], [ids.success[0] ?? '', 'SUCCESS']] as const) {
    await waitFor(async () => (await getTask(ctx, id).catch(() => null))?.state === state, `${id} ${state}`, 60_000);
  }

  const captured = Object.keys(fixture('workers-status').body as Record<string, unknown>);
  const host = (captured[0] ?? 'w1@vm').split('@')[1] ?? 'vm';
  here = (text) => text.replaceAll(`w1@${host}`, w1.hostname).replaceAll(`w2@${host}`, w2.hostname);

  r = {
    health: await import('@/app/healthcheck/route'),
    workers: await import('@/app/api/workers/route'),
    tasks: await import('@/app/api/tasks/route'),
    types: await import('@/app/api/task/types/route'),
    info: await import('@/app/api/task/info/[id]/route'),
    result: await import('@/app/api/task/result/[id]/route'),
    queues: await import('@/app/api/queues/length/route'),
    grow: await import('@/app/api/worker/pool/grow/[hostname]/route'),
    shrink: await import('@/app/api/worker/pool/shrink/[hostname]/route'),
    autoscale: await import('@/app/api/worker/pool/autoscale/[hostname]/route'),
    restart: await import('@/app/api/worker/pool/restart/[hostname]/route'),
    addConsumer: await import('@/app/api/worker/queue/add-consumer/[hostname]/route'),
    cancelConsumer: await import('@/app/api/worker/queue/cancel-consumer/[hostname]/route'),
    rateLimit: await import('@/app/api/task/rate-limit/[name]/route'),
    timeout: await import('@/app/api/task/timeout/[name]/route'),
    shutdown: await import('@/app/api/worker/shutdown/[hostname]/route'),
    asyncApply: await import('@/app/api/task/async-apply/[name]/route'),
    sendTask: await import('@/app/api/task/send-task/[name]/route'),
    apply: await import('@/app/api/task/apply/[name]/route'),
    abort: await import('@/app/api/task/abort/[id]/route'),
    revoke: await import('@/app/api/task/revoke/[id]/route'),
  };
}, 240_000);

afterAll(async () => {
  await collector?.stop();
  await Promise.all([w1, w2].map((w) => w?.kill()));
  ctx?.close();
  await server?.stop();
});

describe("Flower's read paths", () => {
  it('GET /healthcheck answers OK as text', async () => {
    const ours = await call(r.health.GET, '/healthcheck');
    const flower = fixture('healthcheck');
    expect([ours.status, ours.body]).toEqual([flower.status, flower.body]);
    expect(ours.contentType).toMatch(/^text\//); // Flower: text/html
  });

  it('GET /api/workers: every worker with the same keys; status=true; one worker; 404 for an unknown one', async () => {
    for (const [name, url] of [['workers', '/api/workers'], ['workers-refresh', '/api/workers?refresh=1']] as const) {
      const ours = await call(r.workers.GET, url);
      const flower = fixture(name);
      expect([ours.status, jsonType(ours)]).toEqual([flower.status, jsonType(flower)]);
      expect(Object.keys(ours.body as object).sort()).toEqual([w1.hostname, w2.hostname].sort());
      expect(workerDiff(flower.body, ours.body)).toEqual([]);
    }
    const status = await call(r.workers.GET, '/api/workers?status=true');
    expect(status.body).toEqual({ [w1.hostname]: true, [w2.hostname]: true });
    expect(shapeDiff(fixture('workers-status').body, JSON.parse(here(JSON.stringify(fixture('workers-status').body))))).toEqual([]);
    const one = await call(r.workers.GET, `/api/workers?workername=${encodeURIComponent(w1.hostname)}`);
    expect(Object.keys(one.body as object)).toEqual([w1.hostname]);
    expect(workerDiff(fixture('workers-one').body, one.body)).toEqual([]);
    // The running sleepy(40) is in w1's `active`, its args as repr text (Flower asks with safe=True); hidden from a viewer under TRELLIS_HIDE_ARGS.
    const active = (body: unknown) => ((body as Record<string, { active?: Array<{ id: string; args: unknown }> }>)[w1.hostname]?.active ?? []).find((t) => t.id === sleepyId);
    expect(active(one.body)?.args).toBe('(40,)');
    const { flowerWorkers } = await import('@/lib/server/inspect/flower-workers');
    const { HIDDEN } = await import('@/lib/server/redaction');
    expect(active(await flowerWorkers(ctx, { workername: w1.hostname }, { hideArgs: true }))?.args).toBe(HIDDEN);
    const unknown = await call(r.workers.GET, '/api/workers?workername=nobody@nowhere');
    expect(unknown.status).toBe(fixture('workers-unknown').status);
  });

  it('GET /api/tasks: each task with the same 31 keys and value types as Flower', async () => {
    const ours = await call(r.tasks.GET, '/api/tasks');
    const flower = fixture('tasks');
    expect([ours.status, jsonType(ours)]).toEqual([flower.status, jsonType(flower)]);
    expect(entriesDiff(flower.body, ours.body)).toEqual([]);
    // The same workload: as many tasks of each name (states depend on timing: a running task may be RECEIVED or STARTED).
    const summary = (body: unknown) => Object.values(body as Record<string, { name: string }>).map((t) => t.name).sort();
    expect(summary(ours.body)).toEqual(summary(flower.body));
  });

  it('GET /api/tasks: limit, offset, sort_by, filters, received window, search', async () => {
    const list = async (q: string) => {
      const a = await call(r.tasks.GET, `/api/tasks?${q}`);
      expect(a.status).toBe(200);
      return Object.values(a.body as Record<string, { uuid: string; name: string; state: string; worker: string | null; received: number | null; args: string }>);
    };
    const first3 = await list('limit=3');
    const paged = await list('limit=2&offset=1');
    expect(paged.map((t) => t.uuid)).toEqual(first3.slice(1).map((t) => t.uuid));
    expect(paged).toHaveLength(Object.keys(fixture('tasks-limit-offset').body as object).length);

    const newest = await list('sort_by=-received&limit=3');
    const received = newest.map((t) => t.received ?? 0);
    expect(received).toEqual([...received].sort((a, b) => b - a));
    const byName = await list('sort_by=name');
    expect(byName.map((t) => t.name)).toEqual(byName.map((t) => t.name).sort());

    const filtered = await list(`taskname=tasks.add&state=SUCCESS&workername=${encodeURIComponent(w1.hostname)}`);
    expect(filtered.length).toBeGreaterThan(0);
    for (const t of filtered) expect([t.name, t.state, t.worker]).toEqual(['tasks.add', 'SUCCESS', w1.hostname]);
    expect(await list('taskname=All&state=All&workername=All')).toHaveLength((await list('')).length);

    const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', '%20');
    const window = await list(`received_start=${minute(Date.now() - 3_600_000)}&received_end=${minute(Date.now() + 3_600_000)}&limit=2`);
    expect(window).toHaveLength(Object.keys(fixture('tasks-received').body as object).length);
    expect(await list(`received_end=${minute(Date.now() - 3_600_000)}`)).toEqual([]);

    const found = await list('search=bad&limit=5');
    expect(found.map((t) => t.uuid)).toContain(ids.failure);

    // Flower answers these with a 500; Trellis refuses them as invalid.
    expect((await call(r.tasks.GET, '/api/tasks?sort_by=colour')).status).toBe(422);
    expect((await call(r.tasks.GET, '/api/tasks?limit=many')).status).toBe(422);
  });

  it('GET /api/task/types: the task names seen, as Flower lists them', async () => {
    const ours = await call(r.types.GET, '/api/task/types');
    const flower = fixture('task-types');
    expect([ours.status, jsonType(ours)]).toEqual([flower.status, jsonType(flower)]);
    expect(ours.body).toEqual(flower.body); // same workload, same names
  });

  it('GET /api/task/info/{id}: a success and a failure as Flower writes them; 404 when unknown', async () => {
    for (const [name, id] of [['task-info', ids.success[0] ?? ''], ['task-info-failure', ids.failure]] as const) {
      const ours = await call(r.info.GET, `/api/task/info/${id}`, { id });
      const flower = fixture(name);
      expect([ours.status, jsonType(ours)]).toEqual([flower.status, jsonType(flower)]);
      expect(shapeDiff(flower.body, ours.body)).toEqual([]);
      const f = flower.body as Record<string, unknown>;
      const o = ours.body as Record<string, unknown>;
      for (const k of ['name', 'state', 'args', 'kwargs', 'result', 'retries', 'exchange', 'routing_key']) expect([k, o[k]]).toEqual([k, f[k]]);
      // A prefork pool may wrap the exception (billiard's ExceptionWithTraceback): Trellis then names the real one.
      if (f.exception) expect(String(o.exception)).toMatch(/^ValueError\b.*bad thing/);
    }
    const unknown = await call(r.info.GET, '/api/task/info/no-such-task', { id: 'no-such-task' });
    expect(unknown.status).toBe(fixture('task-info-unknown').status);
  });

  it('GET /api/task/result/{id}: success, failure with traceback, pending; a timeout that passes is 504 (Flower: 500)', async () => {
    const cases = [
      ['task-result', ids.success[0] ?? ''],
      ['task-result-failure', ids.failure],
      ['task-result-pending', 'no-such-task'],
    ] as const;
    for (const [name, id] of cases) {
      const ours = await call(r.result.GET, `/api/task/result/${id}`, { id });
      const flower = fixture(name);
      expect([ours.status, jsonType(ours)]).toEqual([flower.status, jsonType(flower)]);
      expect(shapeDiff(flower.body, ours.body)).toEqual([]);
      const f = flower.body as Record<string, unknown>;
      const o = ours.body as Record<string, unknown>;
      expect([o.state, o.result]).toEqual([f.state, f.result]);
    }
    const started = Date.now();
    const late = await call(r.result.GET, `/api/task/result/${sleepyId}?timeout=0.5`, { id: sleepyId });
    expect([late.status, fixture('task-result-timeout').status]).toEqual([504, 500]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    const ready = await call(r.result.GET, `/api/task/result/${ids.failure}?timeout=5`, { id: ids.failure });
    expect((ready.body as { state: string }).state).toBe('FAILURE');
  });

  it('GET /api/queues/length: the same shape', async () => {
    const ours = await call(r.queues.GET, '/api/queues/length');
    const flower = fixture('queues-length');
    expect([ours.status, jsonType(ours)]).toEqual([flower.status, jsonType(flower)]);
    expect(shapeDiff(flower.body, ours.body)).toEqual([]);
  });
});

describe("Flower's control paths, through runAction (audited), checked by a separate Celery client", () => {
  const post = (h: Handler, url: string, params: Record<string, string>, form = '') => call(h, url, params, form);
  /** Flower's answer for a fixture, with this run's hostnames. */
  const expected = (name: string) => {
    const f = fixture(name);
    return { status: f.status, body: typeof f.body === 'string' ? here(f.body) : JSON.parse(here(JSON.stringify(f.body))) };
  };
  /** Our answer as Flower's: the body, or for an error the message Trellis wraps in its error contract. */
  const asFlower = (a: Answer) => ({ status: a.status, body: a.status >= 400 ? (a.body as { error: { message: string } }).error.message : a.body });

  it('pool grow and shrink answer Flower\'s message, and `celery inspect stats` sees the pool change', async () => {
    const poolSize = () => (celeryInspect('stats', w1.hostname) as { pool: { processes: number[] } }).pool.processes.length;
    const before = poolSize();
    const grow = await post(r.grow.POST, '/api/worker/pool/grow/x', { hostname: w1.hostname }, 'n=1');
    expect(asFlower(grow)).toEqual(expected('pool-grow'));
    await waitFor(async () => poolSize() === before + 1, 'the pool one process larger', 20_000);
    const shrink = await post(r.shrink.POST, '/api/worker/pool/shrink/x', { hostname: w1.hostname }, 'n=1');
    expect(asFlower(shrink)).toEqual(expected('pool-shrink'));
    await waitFor(async () => poolSize() === before, 'the pool back to its size', 20_000);
    const audit = await listAudit(ctx, { action: 'workers.', limit: 10 });
    expect(audit.items.map((e) => [e.action, e.target, e.outcome])).toEqual(expect.arrayContaining([['workers.pool_grow', w1.hostname, 'ok'], ['workers.pool_shrink', w1.hostname, 'ok']]));
  });

  it("a worker's refusal is Flower's 403 with Flower's sentence, and is audited as failed", async () => {
    expect(asFlower(await post(r.grow.POST, '/x', { hostname: w2.hostname }, 'n=1'))).toEqual(expected('pool-grow-threads'));
    expect(asFlower(await post(r.autoscale.POST, '/x', { hostname: w1.hostname }, 'min=1&max=3'))).toEqual(expected('pool-autoscale'));
    expect(asFlower(await post(r.restart.POST, '/x', { hostname: w1.hostname }))).toEqual(expected('pool-restart'));
    const failed = await listAudit(ctx, { action: 'workers.', limit: 50 });
    expect(failed.items.filter((e) => e.outcome === 'failed').map((e) => e.action).sort()).toEqual(['workers.autoscale', 'workers.pool_grow', 'workers.pool_restart']);
  });

  it('add and cancel a consumer: Flower\'s messages, and `celery inspect active_queues` follows', async () => {
    const queues = () => (celeryInspect('active_queues', w1.hostname) as Array<{ name: string }>).map((q) => q.name).sort();
    const add = await post(r.addConsumer.POST, '/x', { hostname: w1.hostname }, 'queue=extra');
    expect(asFlower(add)).toEqual(expected('add-consumer'));
    expect(queues()).toEqual(['celery', 'extra', 'fast']);
    const cancel = await post(r.cancelConsumer.POST, '/x', { hostname: w1.hostname }, 'queue=extra');
    // Flower's capture was refused (it had sent its add-consumer without a queue just before): same shape as a success.
    expect([cancel.status, shapeDiff(fixture('add-consumer').body, cancel.body)]).toEqual([200, []]);
    expect(cancel.body).toEqual({ message: 'no longer consuming from extra' });
    expect(queues()).toEqual(['celery', 'fast']);
  });

  it("rate limit and time limits: Flower's messages, form or query parameters, and the worker's settings change", async () => {
    const rate = await post(r.rateLimit.POST, '/x', { name: 'tasks.add' }, `workername=${encodeURIComponent(w1.hostname)}&ratelimit=10/m`);
    expect(asFlower(rate)).toEqual(expected('rate-limit'));
    const off = await post(r.rateLimit.POST, '/x', { name: 'tasks.add' }, `workername=${encodeURIComponent(w1.hostname)}`);
    expect(asFlower(off)).toEqual(expected('rate-limit-missing'));
    expect(asFlower(await post(r.timeout.POST, '/x', { name: 'tasks.add' }, `workername=${encodeURIComponent(w1.hostname)}&soft=10&hard=20`))).toEqual(expected('timeout'));
    const viaQuery = await post(r.timeout.POST, `/api/task/timeout/tasks.add?workername=${encodeURIComponent(w1.hostname)}&soft=11&hard=21`, { name: 'tasks.add' });
    expect(asFlower(viaQuery)).toEqual(expected('timeout-query'));
    // What the worker now holds, from a separate client: the task's time limits in `registered` taskinfo.
    const code = `import json; from tasks import app; print(json.dumps(app.control.inspect(destination=[${JSON.stringify(w1.hostname)}], timeout=2).registered('time_limit', 'soft_time_limit')))`;
    const out = spawnSync(PYTHON, ['-c', code], { cwd: APP_DIR, env: celeryEnv(server.url(0), server.url(1)), encoding: 'utf8', timeout: 30_000 });
    expect(out.stdout).toContain('tasks.add [time_limit=21 soft_time_limit=11]');
  });

  it("Flower's error answers: unknown worker or task 404, bad parameters refused before anything is sent", async () => {
    const cases: Array<[string, Promise<Answer>]> = [
      ['pool-grow-unknown', post(r.grow.POST, '/x', { hostname: 'nobody@nowhere' }, 'n=1')],
      ['add-consumer-unknown', post(r.addConsumer.POST, '/x', { hostname: 'nobody@nowhere' }, 'queue=extra')],
      ['worker-shutdown-unknown', post(r.shutdown.POST, '/x', { hostname: 'nobody@nowhere' })],
      ['rate-limit-unknown-task', post(r.rateLimit.POST, '/x', { name: 'tasks.nope' }, `workername=${encodeURIComponent(w1.hostname)}&ratelimit=1`)],
      ['rate-limit-unknown-worker', post(r.rateLimit.POST, '/x', { name: 'tasks.add' }, 'workername=nobody@nowhere&ratelimit=1')],
      ['timeout-unknown-task', post(r.timeout.POST, '/x', { name: 'tasks.nope' }, `workername=${encodeURIComponent(w1.hostname)}&soft=10`)],
    ];
    for (const [name, pending] of cases) expect([name, (await pending).status]).toEqual([name, fixture(name).status]);
    // Flower: 400 (or, for a missing queue, a consumer for the queue `[]`); Trellis: 422.
    const before = (await listAudit(ctx, { limit: 500 })).items.length;
    for (const [name, pending] of [
      ['pool-grow-bad', post(r.grow.POST, '/x', { hostname: w1.hostname }, 'n=lots')],
      ['timeout-bad', post(r.timeout.POST, '/x', { name: 'tasks.add' }, `workername=${encodeURIComponent(w1.hostname)}&soft=soon`)],
      ['pool-autoscale-missing', post(r.autoscale.POST, '/x', { hostname: w1.hostname }, 'min=1')],
      ['add-consumer-missing', post(r.addConsumer.POST, '/x', { hostname: w1.hostname })],
    ] as const) {
      const a = await pending;
      expect([name, a.status, (a.body as { error: { code: string } }).error.code]).toEqual([name, 422, 'INVALID_INPUT']);
    }
    expect((await listAudit(ctx, { limit: 500 })).items.length).toBe(before);
  });

  it('dryRun=true shows the message that would be sent and sends nothing', async () => {
    const before = (await listAudit(ctx, { limit: 500 })).items.length;
    const dry = await post(r.grow.POST, '/x', { hostname: w1.hostname }, 'n=2&dryRun=true');
    expect(dry.body).toEqual({ dryRun: true, command: 'pool_grow', arguments: { n: 2 }, destination: [w1.hostname] });
    expect((celeryInspect('stats', w1.hostname) as { pool: { processes: number[] } }).pool.processes).toHaveLength(2);
    expect((await listAudit(ctx, { limit: 500 })).items.length).toBe(before);
  });

  it('read-only mode refuses a control path with 403 READ_ONLY, sends nothing, and audits the refusal', async () => {
    const ro = testContext({ CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_READ_ONLY: 'true' });
    try {
      const { flowerControl } = await import('@/lib/server/flower/control');
      const principal = { id: 'token:ro', kind: 'token', name: 'ro', role: 'operator' } as const;
      const grow = { action: 'workers.pool_grow', command: 'pool_grow', args: { n: 1 }, worker: w1.hostname, ok: (t: string) => t, refused: (t: string) => t } as const;
      await expect(flowerControl({ ctx: ro, principal, requestId: 'ro-1' }, grow)).rejects.toMatchObject({ code: 'READ_ONLY', status: 403 });
      expect((celeryInspect('stats', w1.hostname) as { pool: { processes: number[] } }).pool.processes).toHaveLength(2);
      const refused = await listAudit(ctx, { action: 'workers.pool_grow', outcome: 'refused', limit: 5 });
      expect(refused.items.map((e) => [e.actor.name, e.target])).toEqual([['ro', w1.hostname]]);
    } finally {
      ro.close();
    }
  });

  it('shutdown answers "Shutting down!" and the worker goes away', async () => {
    const down = await post(r.shutdown.POST, '/x', { hostname: w2.hostname });
    expect(asFlower(down)).toEqual(expected('worker-shutdown'));
    await waitFor(async () => (await listWorkers(ctx)).find((w) => w.hostname === w2.hostname)?.status === 'offline', 'w2 offline', 30_000);
  });
});

describe("Flower's publish paths: validated messages published inside runAction, run by a real worker", () => {
  const json = (h: Handler, url: string, name: string, body: unknown) => call(h, url, { name }, typeof body === 'string' ? body : JSON.stringify(body), 'application/json');
  /** Status and content type as Flower's; the body's shape too for a success (an error is Trellis' contract). */
  const same = (ours: Answer, name: string) => {
    const flower = fixture(name);
    expect([name, ours.status, ours.status < 400 ? jsonType(ours) : 'error']).toEqual([name, flower.status, flower.status < 400 ? jsonType(flower) : 'error']);
    if (ours.status < 400) expect(shapeDiff(flower.body, ours.body)).toEqual([]);
  };
  const result = (id: string) => readBackendMeta(ctx, id);

  it('async-apply answers {task-id, state}, the worker runs the task, and the action is audited and noted in its history', async () => {
    const a = await json(r.asyncApply.POST, '/api/task/async-apply/tasks.add', 'tasks.add', { args: [1, 2] });
    same(a, 'async-apply');
    const id = (a.body as { 'task-id': string })['task-id'];
    await waitFor(async () => (await result(id))?.result === 3, 'tasks.add(1, 2) = 3', 30_000);
    const audit = await listAudit(ctx, { action: 'tasks.publish', limit: 5 });
    expect(audit.items[0]).toMatchObject({ target: 'task-name:tasks.add', outcome: 'ok', result: { id } });
    const { getTask } = await import('@/lib/server/tasks/get-task');
    await waitFor(async () => (await getTask(ctx, id).catch(() => null))?.actions.some((n) => n.action === 'published'), 'the published note');

    const later = await json(r.asyncApply.POST, '/api/task/async-apply/tasks.add', 'tasks.add', { args: [3, 4], countdown: 1, queue: 'celery' });
    same(later, 'async-apply-options');
    await waitFor(async () => (await result((later.body as { 'task-id': string })['task-id']))?.result === 7, 'the countdown task run', 30_000);
  });

  it('secrets in task arguments are masked on every Flower task path, as on the native ones', async () => {
    const SECRET = 'flower-s3cret-pw';
    const a = await json(r.asyncApply.POST, '/api/task/async-apply/tasks.sleepy', 'tasks.sleepy', { args: [0], kwargs: { password: SECRET } });
    const id = (a.body as { 'task-id': string })['task-id'];
    await waitFor(async () => (await result(id))?.status === 'SUCCESS', 'the task with a secret run', 30_000);
    const { getTask } = await import('@/lib/server/tasks/get-task');
    await waitFor(async () => (await getTask(ctx, id).catch(() => null))?.state === 'SUCCESS', 'its events recorded', 30_000);
    const texts = [
      await call(r.info.GET, `/api/task/info/${id}`, { id }),
      await call(r.tasks.GET, '/api/tasks?taskname=tasks.sleepy'),
      await call(r.result.GET, `/api/task/result/${id}`, { id }),
    ].map((x) => JSON.stringify(x.body));
    expect(texts[0]).toContain('password');
    for (const t of texts) expect(t).not.toContain(SECRET);
  });

  it("Flower's errors: unknown task 404, a malformed body 400, args not an array refused (Flower 400, Trellis 422)", async () => {
    same(await json(r.asyncApply.POST, '/api/task/async-apply/tasks.nope', 'tasks.nope', { args: [] }), 'async-apply-unknown');
    same(await json(r.asyncApply.POST, '/api/task/async-apply/tasks.add', 'tasks.add', '{'), 'async-apply-bad-json');
    const bad = await json(r.asyncApply.POST, '/api/task/async-apply/tasks.add', 'tasks.add', { args: 'x' });
    expect([bad.status, fixture('async-apply-bad-args').status]).toEqual([422, 400]);
    same(await json(r.apply.POST, '/api/task/apply/tasks.nope', 'tasks.nope', {}), 'apply-unknown');
  });

  it('send-task publishes any name (Flower does not check it); dryRun publishes nothing', async () => {
    same(await json(r.sendTask.POST, '/api/task/send-task/tasks.add', 'tasks.add', { args: [5, 6] }), 'send-task');
    const unregistered = await json(r.sendTask.POST, '/api/task/send-task/tasks.unregistered', 'tasks.unregistered', { args: [], queue: 'nobody' });
    same(unregistered, 'send-task-unregistered');
    expect(await ctx.broker.llen('nobody')).toBe(1);
    const dry = await json(r.sendTask.POST, '/api/task/send-task/tasks.add', 'tasks.add', { args: [1], queue: 'nobody', dryRun: true });
    expect(dry.body).toMatchObject({ dryRun: true, name: 'tasks.add', queue: 'nobody' });
    expect(await ctx.broker.llen('nobody')).toBe(1);
  });

  it('apply waits for the result: a success, and a failure with its traceback', async () => {
    const ok = await json(r.apply.POST, '/api/task/apply/tasks.add', 'tasks.add', { args: [7, 8] });
    same(ok, 'apply');
    expect((ok.body as { result: unknown }).result).toBe(15);
    const failed = await json(r.apply.POST, '/api/task/apply/tasks.fail', 'tasks.fail', { args: ['from apply'] });
    same(failed, 'apply-failure');
    expect((failed.body as { result: unknown; state: string }).state).toBe('FAILURE');
    expect((failed.body as { result: unknown }).result).toBe((fixture('apply-failure').body as { result: string }).result); // ValueError('from apply')
  });
});

describe("Flower's abort path", () => {
  /** What Celery's own client reads: AbortableAsyncResult(id).is_aborted(). */
  const isAborted = (id: string) => {
    const code = `from celery.contrib.abortable import AbortableAsyncResult; from tasks import app; print(AbortableAsyncResult(${JSON.stringify(id)}, app=app).is_aborted())`;
    const out = spawnSync(PYTHON, ['-c', code], { cwd: APP_DIR, env: celeryEnv(server.url(0), server.url(1)), encoding: 'utf8', timeout: 30_000 });
    if (out.status !== 0) throw new Error(out.stderr);
    return out.stdout.trim();
  };

  it("marks a waiting task ABORTED as Celery's AbortableAsyncResult sees it; a succeeded task keeps its result", async () => {
    const sent = await call(r.sendTask.POST, '/x', { name: 'tasks.add' }, JSON.stringify({ args: [1, 1], queue: 'nobody' }), 'application/json');
    const id = (sent.body as { 'task-id': string })['task-id'];
    const dry = await call(r.abort.POST, `/api/task/abort/${id}`, { id }, 'dryRun=true');
    expect([dry.body, isAborted(id)]).toEqual([{ dryRun: true, command: 'abort', arguments: { task_id: id }, destination: null }, 'False']);
    const a = await call(r.abort.POST, `/api/task/abort/${id}`, { id }, '');
    expect([a.status, a.body]).toEqual([fixture('abort').status, { message: `Aborted '${id}'` }]);
    expect(shapeDiff(fixture('abort').body, a.body)).toEqual([]);
    expect(isAborted(id)).toBe('True');
    expect((await listAudit(ctx, { action: 'tasks.abort', limit: 1 })).items[0]).toMatchObject({ target: `task:${id}`, outcome: 'ok', result: { state: 'ABORTED' } });

    const done = ids.success[0] ?? '';
    expect((await call(r.abort.POST, `/api/task/abort/${done}`, { id: done }, '')).body).toEqual({ message: `Aborted '${done}'` });
    expect((await readBackendMeta(ctx, done))?.status).toBe('SUCCESS');
    expect(isAborted(done)).toBe('False');
  });
});

describe("Flower's revoke path", () => {
  it("terminates a running task with the signal asked for, answers Flower's message, and audits it", async () => {
    const run = spawnSync(PYTHON, ['-c', 'from tasks import sleepy; print(sleepy.apply_async((30,)).id)'], { cwd: APP_DIR, env: celeryEnv(server.url(0), server.url(1)), encoding: 'utf8', timeout: 30_000 });
    const id = run.stdout.trim();
    await waitFor(async () => (await readBackendMeta(ctx, id))?.status === 'STARTED', 'sleepy started', 30_000);
    const dry = await call(r.revoke.POST, `/api/task/revoke/${id}`, { id }, 'terminate=true&signal=SIGKILL&dryRun=true');
    expect(dry.body).toMatchObject({ dryRun: true, count: 1, revocable: 1 });
    const a = await call(r.revoke.POST, `/api/task/revoke/${id}`, { id }, 'terminate=true&signal=SIGKILL');
    expect([a.status, a.body]).toEqual([fixture('revoke').status, { message: `Revoked '${id}'` }]);
    expect(shapeDiff(fixture('revoke').body, a.body)).toEqual([]);
    await waitFor(async () => (await readBackendMeta(ctx, id))?.status === 'REVOKED', 'sleepy revoked', 30_000);
    expect((await listAudit(ctx, { action: 'tasks.terminate', limit: 1 })).items[0]).toMatchObject({ target: id, params: { terminate: true, signal: 'SIGKILL' } });
    // A task already final: Flower's answer, nothing sent (Flower broadcasts anyway, to no effect).
    const done = ids.success[0] ?? '';
    expect((await call(r.revoke.POST, `/api/task/revoke/${done}`, { id: done }, '')).body).toEqual({ message: `Revoked '${done}'` });
    expect((await readBackendMeta(ctx, done))?.status).toBe('SUCCESS');
  });
});
