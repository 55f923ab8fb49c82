import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_DIR, celeryEnv, PYTHON, startWorker, type Worker } from '../support/celery';
import { call, fixture, jsonType, shapeDiff, type Answer, type Handler } from '../support/flower';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';
import { listAudit } from '@/lib/server/actions/audit-log';
import { Collector } from '@/lib/server/collector/collector';
import { readBackendMeta } from '@/lib/server/backend/read-backend-meta';
import { listWorkers } from '@/lib/server/workers/list-workers';

// PENDING (skipped until wired): Flower's publish paths (async-apply, send-task, apply) and
// revoke/abort, which need Trellis' task publishing (publishTask, retry branch) and revokeTasks
// (revoke branch). Their Flower answers are captured in tests/fixtures/flower; these tests compare
// Trellis' answers with them once app/api/task/<path>/[name|id]/route.ts exist (un-skip then).
// Routes are imported by file path so this file compiles before they exist.

async function route(under: string): Promise<{ POST: Handler }> {
  return (await import(/* @vite-ignore */ path.resolve(__dirname, '../../app/api/task', under, 'route.ts'))) as { POST: Handler };
}
const json = (h: Handler, url: string, params: Record<string, string>, body: unknown) => call(h, url, params, JSON.stringify(body), 'application/json');
const same = (ours: Answer, name: string) => {
  const flower = fixture(name);
  expect([ours.status, ours.status < 400 ? jsonType(ours) : 'error']).toEqual([flower.status, flower.status < 400 ? jsonType(flower) : 'error']);
  if (ours.status < 400) expect(shapeDiff(flower.body, ours.body)).toEqual([]);
};

let server: Awaited<ReturnType<typeof startRedis>>;
let w1: Worker;
let ctx: ReturnType<typeof testContext>;
let collector: Collector;

describe.skip('PENDING: Flower publish, revoke and abort paths (wire the routes, then un-skip)', () => {
  beforeAll(async () => {
    server = await startRedis();
    const brokerUrl = server.url(0);
    const backendUrl = server.url(1);
    w1 = await startWorker({ brokerUrl, backendUrl, name: 'w1', queues: ['celery', 'fast'], pool: 'prefork', concurrency: 2 });
    Object.assign(process.env, { CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, TRELLIS_LOG_LEVEL: 'silent', TRELLIS_INSPECT_TIMEOUT: '2' });
    ctx = testContext({ CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, TRELLIS_INSPECT_TIMEOUT: '2' });
    collector = new Collector(ctx);
    await collector.start();
    await waitFor(async () => (await listWorkers(ctx)).some((w) => w.hostname === w1.hostname && w.status === 'online'), 'w1 online');
    // Task names known to Trellis (Flower: registered in its app), as after traffic.
    spawnSync(PYTHON, ['-c', 'from tasks import add, fail; add.delay(0, 0).get(timeout=30); fail.delay("x").get(timeout=30, propagate=False)'], { cwd: APP_DIR, env: celeryEnv(brokerUrl, backendUrl), timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await collector?.stop();
    await w1?.kill();
    ctx?.close();
    await server?.stop();
  });

  it('async-apply publishes and answers {task-id, state}; options (countdown, queue) accepted; the task runs', async () => {
    const h = (await route('async-apply/[name]')).POST;
    const a = await json(h, '/api/task/async-apply/tasks.add', { name: 'tasks.add' }, { args: [1, 2] });
    same(a, 'async-apply');
    const id = (a.body as { 'task-id': string })['task-id'];
    await waitFor(async () => (await readBackendMeta(ctx, id))?.result === 3, 'tasks.add(1, 2) = 3', 30_000);
    same(await json(h, '/api/task/async-apply/tasks.add', { name: 'tasks.add' }, { args: [3, 4], countdown: 1, queue: 'celery' }), 'async-apply-options');
    same(await json(h, '/api/task/async-apply/tasks.nope', { name: 'tasks.nope' }, { args: [] }), 'async-apply-unknown');
    same(await json(h, '/api/task/async-apply/tasks.add', { name: 'tasks.add' }, { args: 'x' }), 'async-apply-bad-args');
    same(await call(h, '/api/task/async-apply/tasks.add', { name: 'tasks.add' }, '{', 'application/json'), 'async-apply-bad-json');
    expect((await listAudit(ctx, { action: 'tasks.', limit: 10 })).items.length).toBeGreaterThan(0);
  });

  it('send-task publishes any name (Flower does not check it)', async () => {
    const h = (await route('send-task/[name]')).POST;
    same(await json(h, '/api/task/send-task/tasks.add', { name: 'tasks.add' }, { args: [5, 6] }), 'send-task');
    same(await json(h, '/api/task/send-task/tasks.unregistered', { name: 'tasks.unregistered' }, { args: [], queue: 'nobody' }), 'send-task-unregistered');
  });

  it('apply waits for the result: a success, a failure with its traceback, 404 for an unknown task', async () => {
    const h = (await route('apply/[name]')).POST;
    const ok = await json(h, '/api/task/apply/tasks.add', { name: 'tasks.add' }, { args: [7, 8] });
    same(ok, 'apply');
    expect((ok.body as { result: unknown }).result).toBe(15);
    const failed = await json(h, '/api/task/apply/tasks.fail', { name: 'tasks.fail' }, { args: ['from apply'] });
    same(failed, 'apply-failure');
    expect((failed.body as { result: unknown }).result).toBe("ValueError('from apply')");
    same(await json(h, '/api/task/apply/tasks.nope', { name: 'tasks.nope' }, {}), 'apply-unknown');
  });

  it("revoke (terminate, signal) answers Flower's message and the running task ends REVOKED", async () => {
    const run = spawnSync(PYTHON, ['-c', 'from tasks import sleepy; print(sleepy.apply_async((30,)).id)'], { cwd: APP_DIR, env: celeryEnv(server.url(0), server.url(1)), encoding: 'utf8', timeout: 30_000 });
    const id = run.stdout.trim();
    await waitFor(async () => (await readBackendMeta(ctx, id))?.status === 'STARTED', 'sleepy started', 30_000);
    const h = (await route('revoke/[id]')).POST;
    const a = await call(h, `/api/task/revoke/${id}`, { id }, 'terminate=true&signal=SIGKILL');
    same(a, 'revoke');
    expect(a.body).toEqual({ message: `Revoked '${id}'` });
    await waitFor(async () => (await readBackendMeta(ctx, id))?.status === 'REVOKED', 'sleepy revoked', 30_000);
  });

  it("abort answers Flower's message and the backend says ABORTED", async () => {
    const run = spawnSync(PYTHON, ['-c', 'from tasks import add; print(add.delay(1, 1).id)'], { cwd: APP_DIR, env: celeryEnv(server.url(0), server.url(1)), encoding: 'utf8', timeout: 30_000 });
    const id = run.stdout.trim();
    const h = (await route('abort/[id]')).POST;
    const a = await call(h, `/api/task/abort/${id}`, { id }, '');
    same(a, 'abort');
    expect(a.body).toEqual({ message: `Aborted '${id}'` });
    expect((await readBackendMeta(ctx, id))?.status).toBe('ABORTED');
  });
});
