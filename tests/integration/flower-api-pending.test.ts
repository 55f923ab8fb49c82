import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_DIR, celeryEnv, PYTHON, startWorker, type Worker } from '../support/celery';
import { call, fixture, jsonType, shapeDiff, type Answer, type Handler } from '../support/flower';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';
import { Collector } from '@/lib/server/collector/collector';
import { readBackendMeta } from '@/lib/server/backend/read-backend-meta';
import { listWorkers } from '@/lib/server/workers/list-workers';

// PENDING (skipped until wired): Flower's revoke path, which needs revokeTasks (the revoke branch).
// Its Flower answers are captured in tests/fixtures/flower; this test compares Trellis' answer with
// them once app/api/task/revoke/[id]/route.ts exists (un-skip then).
// Routes are imported by file path so this file compiles before they exist.

async function route(under: string): Promise<{ POST: Handler }> {
  return (await import(/* @vite-ignore */ path.resolve(__dirname, '../../app/api/task', under, 'route.ts'))) as { POST: Handler };
}
const same = (ours: Answer, name: string) => {
  const flower = fixture(name);
  expect([ours.status, ours.status < 400 ? jsonType(ours) : 'error']).toEqual([flower.status, flower.status < 400 ? jsonType(flower) : 'error']);
  if (ours.status < 400) expect(shapeDiff(flower.body, ours.body)).toEqual([]);
};

let server: Awaited<ReturnType<typeof startRedis>>;
let w1: Worker;
let ctx: ReturnType<typeof testContext>;
let collector: Collector;

describe.skip('PENDING: Flower revoke path (wire the route, then un-skip)', () => {
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
  }, 120_000);

  afterAll(async () => {
    await collector?.stop();
    await w1?.kill();
    ctx?.close();
    await server?.stop();
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
});
