import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TaskDetailView } from '@/lib/schemas/api';
import type { RetryPreview, RetryResult } from '@/lib/schemas/responses/retry';
import { listAudit } from '@/lib/server/actions/audit-log';
import { retryTasks } from '@/lib/server/actions/retry-tasks';
import { readBackendMeta } from '@/lib/server/backend/read-backend-meta';
import { Collector } from '@/lib/server/collector/collector';
import { getTask } from '@/lib/server/tasks/get-task';
import { runDriver, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';

// Issue 11.2 with real workers: a failed task retried runs again with the same args (the backend
// shows the new id ran with them), from the extended result (worker w1) and from the args repr
// (worker w2 runs without result_extended); a truncated repr answers 409 and the operator's
// arguments retry it; a filter retry through a preview; read-only refuses and is audited.

let server: Awaited<ReturnType<typeof startRedis>>;
let ctx: ReturnType<typeof testContext>;
let collector: Collector;
const workers: Worker[] = [];
let route: { POST: (r: Request) => Promise<Response> };
const Ids = z.object({ ids: z.array(z.string()), states: z.record(z.string(), z.string()) });

async function post<T>(body: unknown): Promise<{ status: number; body: T }> {
  const res = await route.POST(new Request('http://localhost/api/v1/tasks/retry', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
  return { status: res.status, body: (await res.json()) as T };
}

/** The backend's meta once it is final, with the exception message the task raised (its first argument). */
async function finalMeta(id: string) {
  return waitFor(async () => {
    const m = await readBackendMeta(ctx, id);
    return m && (m.status === 'FAILURE' || m.status === 'SUCCESS') ? m : null;
  }, `task ${id} to finish`, 30_000);
}
const excMessage = (m: { result: unknown }) => (m.result as { exc_message?: unknown[] }).exc_message?.[0];

async function failed(queue: string, length: number, n: number): Promise<string[]> {
  const out = Ids.parse(await runDriver(['fail-to', queue, String(length), String(n), '--wait'], { brokerUrl: server.url(0), backendUrl: server.url(1) }));
  expect(Object.values(out.states)).toEqual(out.ids.map(() => 'FAILURE'));
  await waitFor(async () => (await Promise.all(out.ids.map((id) => getTask(ctx, id).catch(() => null)))).every((t) => t?.state === 'FAILURE' && t.args), 'the collector to see the failures');
  return out.ids;
}

beforeAll(async () => {
  server = await startRedis();
  const env = { CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_INSPECT_TIMEOUT: '1' };
  Object.assign(process.env, env, { TRELLIS_LOG_LEVEL: 'silent' });
  ctx = testContext(env);
  collector = new Collector(ctx, {});
  await collector.start();
  route = await import('@/app/api/v1/tasks/retry/route');
  workers.push(await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'w1', queues: ['celery'], pool: 'solo' }));
  workers.push(
    await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'w2', queues: ['plain'], pool: 'solo', env: { CELERY_EXTRA_CONF: JSON.stringify({ result_extended: false }) } }),
  );
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.kill();
  await collector?.stop();
  ctx?.close();
  await server?.stop();
});

describe('retry with real workers', () => {
  it('a failed task retried runs again with the same args (from the extended result), linked both ways', async () => {
    const [id] = await failed('celery', 10, 1);
    if (!id) throw new Error('no task');
    const res = await post<RetryResult>({ ids: [id] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: false, count: 1, skipped: [], retried: [{ id, name: 'tasks.fail', queue: 'celery', argsSource: 'backend' }] });
    const newId = res.body.retried[0]?.newId ?? '';
    const [before, after] = [await finalMeta(id), await finalMeta(newId)];
    expect(after.status).toBe('FAILURE');
    expect(after.extra.args).toEqual(before.extra.args);
    expect(excMessage(after)).toBe(`0:${'x'.repeat(10)}`);
    const [old, fresh] = await waitFor(async () => {
      const pair = await Promise.all([getTask(ctx, id), getTask(ctx, newId).catch(() => null)]);
      return pair[1]?.state === 'FAILURE' && pair[1].args ? (pair as [TaskDetailView, TaskDetailView]) : null;
    }, 'the retry in the store');
    expect(old.retriedAs).toEqual([newId]);
    expect(fresh.retryOf).toBe(id);
    expect(fresh.args).toBe(old.args);
    expect(old.actions.map((a) => a.action)).toContain('retried-as');
    expect((await listAudit(ctx, { action: 'tasks.retry', limit: 10 })).items[0]).toMatchObject({ outcome: 'ok', target: `task:${id}` });
  });

  it('without extended results the args are read from the repr; a truncated repr answers 409, and entered args retry it', async () => {
    const [short] = await failed('plain', 5, 1);
    const [long] = await failed('plain', 1500, 1);
    if (!short || !long) throw new Error('no task');
    expect((await readBackendMeta(ctx, short))?.extra.args).toBeUndefined(); // w2 stores no extended fields

    const ok = await post<RetryResult>({ ids: [short] });
    expect(ok.body).toMatchObject({ count: 1, retried: [{ queue: 'plain', argsSource: 'repr' }] });
    expect(excMessage(await finalMeta(ok.body.retried[0]?.newId ?? ''))).toBe('0:xxxxx');

    const refused = await post<{ error: { code: string; message: string } }>({ ids: [long] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('CONFLICT');
    expect(refused.body.error.message).toMatch(/truncated/);
    expect((await listAudit(ctx, { action: 'tasks.retry', limit: 1 })).items[0]).toMatchObject({ outcome: 'failed', target: `task:${long}` });

    const entered = await post<RetryResult>({ ids: [long], args: ['typed by the operator'] });
    expect(entered.body).toMatchObject({ count: 1, retried: [{ argsSource: 'operator', queue: 'plain' }] });
    expect(excMessage(await finalMeta(entered.body.retried[0]?.newId ?? ''))).toBe('typed by the operator');
  });

  it('a filter retry: the dry run previews, the preview id retries exactly that set', async () => {
    const ids = await failed('celery', 3, 4);
    const since = String(Date.now() / 1000 - 600);
    const dry = await post<RetryPreview>({ filter: { name: 'tasks.fail', state: 'FAILURE', queue: 'celery', since }, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.retryable).toBe(dry.body.count);
    expect(dry.body.count).toBeGreaterThanOrEqual(4);
    const newer = await failed('celery', 3, 1); // after the preview: not in it
    const res = await post<RetryResult>({ previewId: dry.body.previewId });
    expect(res.body.count).toBe(dry.body.count);
    const retriedIds = res.body.retried.map((r) => r.id);
    expect(retriedIds).toEqual(expect.arrayContaining(ids));
    expect(retriedIds).not.toContain(newer[0]);
    const metas = await Promise.all(res.body.retried.map((r) => finalMeta(r.newId)));
    expect(metas.map((m) => m.status)).toEqual(metas.map(() => 'FAILURE'));
    expect((await listAudit(ctx, { action: 'tasks.retry', limit: 1 })).items[0]).toMatchObject({ outcome: 'ok', previewCount: dry.body.count });
  });

  it('unfinished and unknown tasks are skipped with their reason (partial)', async () => {
    const [done] = await failed('celery', 2, 1);
    const res = await post<RetryResult>({ ids: [done, 'no-such-task'] });
    expect(res.body.count).toBe(1);
    expect(res.body.skipped).toEqual([{ id: 'no-such-task', reason: expect.stringMatching(/unknown task/) }]);
    expect((await listAudit(ctx, { action: 'tasks.retry', limit: 1 })).items[0]?.outcome).toBe('partial');
  });

  it('read-only mode refuses, publishes nothing, and records the refusal', async () => {
    const [id] = await failed('celery', 4, 1);
    if (!id) throw new Error('no task');
    const ro = testContext({ CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_READ_ONLY: 'true' });
    try {
      const principal = { id: 'user:ops', kind: 'user' as const, name: 'ops', role: 'operator' as const };
      await expect(retryTasks(ro, principal, null, { ids: [id], dryRun: false })).rejects.toMatchObject({ code: 'READ_ONLY' });
      expect((await listAudit(ctx, { action: 'tasks.retry', limit: 1 })).items[0]).toMatchObject({ outcome: 'refused', target: `task:${id}` });
      expect((await getTask(ctx, id)).retriedAs).toEqual([]);
    } finally {
      ro.close();
    }
  });
});
