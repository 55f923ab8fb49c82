import { spawnSync } from 'node:child_process';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { APP_DIR, celeryEnv, PYTHON, runDriver, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';
import { Collector } from '@/lib/server/collector/collector';
import { AppError } from '@/lib/errors';
import type { RevokePreview, RevokeResult } from '@/lib/server/actions/revoke-tasks';
import type { TaskDetail } from '@/lib/schemas/api';

// Revoke and terminate against real Celery 5.2 workers, with a collector keeping the store as in
// production (its durable-revoke job checks for new workers every 300 ms): a revoked waiting task
// never runs (its message is removed), terminate stops a running task, a revoked ETA task does not
// run after its only worker restarted (the durable revoke is sent to the new process), a preview
// applies to exactly its set, read-only mode refuses, and the task's history says who revoked it.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let backend: Redis;
let broker: Redis;
let ctx: ReturnType<typeof testContext>;
let collector: Collector;
const workers: Worker[] = [];
let routes: { revoke: typeof import('@/app/api/v1/tasks/revoke/route'); task: typeof import('@/app/api/v1/tasks/[id]/route') };

const Ids = z.object({ ids: z.array(z.string()) });

async function post<T>(body: unknown): Promise<{ status: number; body: T }> {
  const res = await routes.revoke.POST(new Request('http://localhost/api/v1/tasks/revoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
  return { status: res.status, body: (await res.json()) as T };
}

async function detail(id: string): Promise<TaskDetail> {
  const res = await routes.task.GET(new Request(`http://localhost/api/v1/tasks/${id}`), { params: Promise.resolve({ id }) });
  return (await res.json()) as TaskDetail;
}

/** Publishes tasks.add to `queue` due in `seconds` (an ETA task); returns its id. */
function publishWithCountdown(queue: string, seconds: number): string {
  const code = `from tasks import add; print(add.apply_async((1, 2), queue=${JSON.stringify(queue)}, countdown=${seconds}).id)`;
  const r = spawnSync(PYTHON, ['-c', code], { cwd: APP_DIR, env: celeryEnv(server.url(0), server.url(1)), encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split('\n').pop() ?? '';
}

const backendState = async (id: string) => {
  const raw = await backend.get(`celery-task-meta-${id}`);
  return raw ? (JSON.parse(raw) as { status: string; result: unknown }) : null;
};

/** Waits until the store shows every id in `state` (their task-sent events were collected). */
const stored = (ids: string[], state: string, timeoutMs = 20_000) =>
  waitFor(async () => (await Promise.all(ids.map(detail))).every((t) => t.state === state), `${ids.length} tasks ${state} in the store`, timeoutMs);

async function worker(name: string, queues: string[]): Promise<Worker> {
  const w = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name, queues, pool: 'prefork', concurrency: 1 });
  workers.push(w);
  return w;
}

beforeAll(async () => {
  server = await startRedis();
  backend = new Redis(server.url(1));
  broker = new Redis(server.url(0));
  const env = { CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_INSPECT_TIMEOUT: '1' };
  Object.assign(process.env, env, { TRELLIS_LOG_LEVEL: 'silent' });
  ctx = testContext(env);
  collector = new Collector(ctx, { revokeCheckMs: 300, revokePruneMs: 1_000 });
  await collector.start();
  routes = { revoke: await import('@/app/api/v1/tasks/revoke/route'), task: await import('@/app/api/v1/tasks/[id]/route') };
}, 60_000);

afterAll(async () => {
  await collector?.stop();
  await Promise.all(workers.map((w) => w.kill()));
  ctx?.close();
  backend?.disconnect();
  broker?.disconnect();
  await server?.stop();
});

describe('revoke and terminate with real workers', () => {
  it('a revoked waiting task never runs: its message is removed, REVOKED is written, the history says who', async () => {
    const { ids } = Ids.parse(await runDriver(['queue-only', 'rq', '3'], { brokerUrl: server.url(0), backendUrl: server.url(1) }));
    const [revoked, ...kept] = ids as [string, string, string];
    await stored(ids, 'PENDING');

    const res = await post<RevokeResult>({ ids: [revoked] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: false, requested: 1, removedFromQueue: 1, skippedFinal: 0, messages: 1 });
    expect(await broker.llen('rq')).toBe(2);

    await worker('rq1', ['rq']);
    await waitFor(async () => (await Promise.all(kept.map(backendState))).every((m) => m?.status === 'SUCCESS'), 'the other two tasks to succeed');
    expect((await backendState(revoked))?.status).toBe('REVOKED');
    await waitFor(async () => (await detail(revoked)).state === 'REVOKED', 'the store to show the revoked task REVOKED (reconciled)');
    const t = await detail(revoked);
    expect(t.events.map((e) => e.type)).not.toContain('task-started');
    expect(t.actions).toEqual([expect.objectContaining({ action: 'revoke-requested', by: 'anonymous', auditId: res.body.auditId, detail: 'its waiting message removed from the queue' })]);
  });

  it('terminate stops a running task (prefork) and reports the worker’s reply', async () => {
    const w = await worker('run1', ['celery']);
    const { ids } = Ids.parse(await runDriver(['sleepers', '1', '60'], { brokerUrl: server.url(0), backendUrl: server.url(1) }));
    const id = ids[0] ?? '';
    await stored([id], 'STARTED');
    const res = await post<RevokeResult>({ ids: [id], terminate: true, signal: 'KILL' });
    expect(res.status).toBe(200);
    expect(res.body.replies).toContainEqual(expect.objectContaining({ hostname: w.hostname, status: 'ok', reply: `terminate: ${id}` }));
    await waitFor(async () => (await backendState(id))?.status === 'REVOKED', 'the running task to be terminated', 10_000);
    expect((await backendState(id))?.result).toMatchObject({ exc_message: ['terminated'] });
    expect((await detail(id)).actions[0]).toMatchObject({ action: 'terminate-requested', detail: 'signal SIGKILL' });
  }, 60_000);

  it('a revoked ETA task does not run after every worker restarted: the durable revoke reaches the new process', async () => {
    const first = await worker('eta1', ['eta']);
    const id = publishWithCountdown('eta', 20);
    await stored([id], 'RECEIVED');
    const res = await post<RevokeResult>({ ids: [id] });
    expect(res.body.replies).toContainEqual(expect.objectContaining({ hostname: first.hostname, status: 'ok' }));
    expect(await ctx.store.zscore(ctx.keys.revokes, id)).not.toBeNull();

    // Warm shutdown: the held message goes back to the queue and the worker's revoked set is gone.
    await first.stop();
    workers.splice(workers.indexOf(first), 1);
    const second = await worker('eta1', ['eta']);
    const { inspectAll } = await import('@/lib/server/inspect/inspect');
    await waitFor(async () => {
      const r = await inspectAll(ctx, 'revoked');
      return (r.workers[second.hostname]?.reply as string[] | undefined)?.includes(id);
    }, 'the new worker process to hold the durable revoke', 15_000);
    // The new process took the message again and discards it when it is due.
    await waitFor(async () => (await backendState(id))?.status === 'REVOKED', 'the ETA task to be discarded when due', 30_000);
    expect((await detail(id)).events.map((e) => e.type)).not.toContain('task-started');
    // Final now: the durable revoke is dropped.
    await waitFor(async () => (await ctx.store.zscore(ctx.keys.revokes, id)) === null, 'the durable revoke to be dropped');
  }, 90_000);

  it('a preview applies to exactly the previewed set, not to what matches the filter later', async () => {
    const first = Ids.parse(await runDriver(['queue-only', 'pv', '3'], { brokerUrl: server.url(0), backendUrl: server.url(1) })).ids;
    await stored(first, 'PENDING');
    const preview = await post<RevokePreview>({ filter: { queue: 'pv' }, dryRun: true });
    expect(preview.body).toMatchObject({ dryRun: true, count: 3, revocable: 3, final: 0, waiting: 3, states: { PENDING: 3 } });
    expect(preview.body.sample.map((t) => t.id).sort()).toEqual([...first].sort());

    const later = Ids.parse(await runDriver(['queue-only', 'pv', '2'], { brokerUrl: server.url(0), backendUrl: server.url(1) })).ids;
    await stored(later, 'PENDING');
    const res = await post<RevokeResult>({ previewId: preview.body.previewId });
    expect(res.body).toMatchObject({ requested: 3, removedFromQueue: 3 });
    expect(await broker.llen('pv')).toBe(2);
    for (const id of first) expect((await backendState(id))?.status).toBe('REVOKED');
    for (const id of later) expect(await backendState(id)).toBeNull();
    const { listAudit } = await import('@/lib/server/actions/audit-log');
    const entry = (await listAudit(ctx, { limit: 10 })).items.find((e) => e.id === res.body.auditId);
    expect(entry).toMatchObject({ action: 'tasks.revoke', previewCount: 3, outcome: 'ok', params: { by: 'preview' }, result: { requested: 3 } });
  }, 60_000);

  it('re-sends the durable revokes to every worker periodically (before the workers forget them)', async () => {
    // A collector whose job re-sends every 4 s instead of 2 h; its first steps serve the workers
    // online (a new term sends them what it keeps), so later lines come from the periodic re-send.
    await collector.stop();
    collector = new Collector(ctx, { revokeCheckMs: 300, revokePruneMs: 1_000, revokeResendMs: 4_000 });
    await collector.start();
    await new Promise((r) => setTimeout(r, 1_500));
    const w = workers.find((x) => x.hostname.startsWith('rq1@'));
    if (!w) throw new Error('the rq1 worker is gone');
    const id = `never-seen-${Date.now()}`;
    const flagged = () => w.logs().split(`Tasks flagged as revoked: ${id}`).length - 1;
    const res = await post<RevokeResult>({ ids: [id] });
    expect(res.body).toMatchObject({ requested: 1, removedFromQueue: 0 });
    await waitFor(async () => flagged() >= 1, 'the broadcast in the worker log');
    // Unknown to the store and not final anywhere: it stays, and comes again.
    await waitFor(async () => flagged() >= 2, 'the periodic re-send in the worker log', 15_000);
    expect(await ctx.store.zscore(ctx.keys.revokes, id)).not.toBeNull();
  }, 30_000);

  it('read-only mode refuses the action (dry runs still answer), and bad input is 422', async () => {
    const ro = testContext({ CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_READ_ONLY: 'true' });
    try {
      const { revokeTasks } = await import('@/lib/server/actions/revoke-tasks');
      const principal = { id: 'user:ops', kind: 'user' as const, name: 'ops', role: 'operator' as const };
      const dry = await revokeTasks(ro, principal, null, { ids: ['never-seen-1'], terminate: false, dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, count: 1, revocable: 1, states: { UNKNOWN: 1 } });
      const err = await revokeTasks(ro, principal, null, { ids: ['never-seen-1'], terminate: false, dryRun: false }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('READ_ONLY');
      expect(await ro.store.zscore(ro.keys.revokes, 'never-seen-1')).toBeNull();
    } finally {
      ro.close();
    }
    expect((await post({ ids: ['a'], filter: { queue: 'x' } })).status).toBe(422);
    expect((await post({ ids: ['a'], signal: 'KILL' })).status).toBe(422);
    expect((await post({ ids: ['a'], terminate: true, signal: 'NOPE' })).status).toBe(422);
  });
});

describe('the broker and store sides of a revoke', () => {
  it('removes exactly the revoked messages from every band, across windows, leaving the rest in order and undecodable messages alone', async () => {
    const { removeWaitingMessages } = await import('@/lib/server/actions/revoke-waiting');
    const urls = { brokerUrl: server.url(0), backendUrl: server.url(1) };
    const bulk = Ids.parse(await runDriver(['queue-only', 'wq', '4500'], urls)).ids;
    const mix = z.object({ priority: z.string(), plain: z.string() }).parse(await runDriver(['queue-mix', 'wq'], urls));
    const priorityKey = ctx.celery.queueBandKey('wq', ctx.celery.stepForPriority(7));
    await broker.lpush('wq', 'not json at all');
    const before = { main: await broker.lrange('wq', 0, -1), high: await broker.lrange(priorityKey, 0, -1) };
    // The oldest message (first window), one in the third window, the newest plain one, the
    // priority one, and an id that is nowhere.
    const chosen = [bulk[0] ?? '', bulk[4200] ?? '', mix.plain, mix.priority];
    const r = await removeWaitingMessages(ctx, [...chosen, 'nowhere-1'].map((id) => ({ id, queue: 'wq' })));
    expect(r.removed.sort()).toEqual([...chosen].sort());
    expect(r.truncatedQueues).toEqual([]);
    const idOf = (m: string) => (m.startsWith('{') ? (JSON.parse(m) as { headers: { id: string } }).headers.id : m);
    expect(await broker.lrange('wq', 0, -1)).toEqual(before.main.filter((m) => !chosen.includes(idOf(m))));
    expect(await broker.lrange(priorityKey, 0, -1)).toEqual(before.high.filter((m) => idOf(m) !== mix.priority));
    expect((await broker.lrange('wq', 0, -1)).at(0)).toBe('not json at all');
    for (const id of chosen) expect((await backendState(id))?.status).toBe('REVOKED');
    expect(await backendState(bulk[1] ?? '')).toBeNull();
  }, 60_000);

  it('keeps at most 50,000 durable revokes, the newest, and says how many older ones it dropped', async () => {
    const { rememberRevokes, MAX_DURABLE_REVOKES } = await import('@/lib/server/actions/revoke-durable');
    const store = testContext({ CELERY_BROKER_URL: server.url(2) });
    try {
      const old = Array.from({ length: 10 }, (_, i) => `old-${i}`);
      expect(await rememberRevokes(store, old, { terminate: false, by: 'ops' })).toBe(0);
      await new Promise((r) => setTimeout(r, 20));
      const fresh = Array.from({ length: MAX_DURABLE_REVOKES }, (_, i) => `new-${i}`);
      expect(await rememberRevokes(store, fresh, { terminate: true, signal: 'SIGKILL', by: 'ops' })).toBe(10);
      expect(await store.store.zcard(store.keys.revokes)).toBe(MAX_DURABLE_REVOKES);
      expect(await store.store.hlen(store.keys.revokeOptions)).toBe(MAX_DURABLE_REVOKES);
      expect(await store.store.zmscore(store.keys.revokes, ...old)).toEqual(old.map(() => null));
      expect(JSON.parse((await store.store.hget(store.keys.revokeOptions, 'new-0')) ?? '{}')).toEqual({ terminate: true, signal: 'SIGKILL', by: 'ops' });
    } finally {
      store.close();
    }
  }, 60_000);
});
