import { spawnSync } from 'node:child_process';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { APP_DIR, celeryEnv, PYTHON, runDriver, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';
import type { InspectReply } from '@/lib/server/inspect/inspect';

// Worker inspection through the pidbox against real Celery 5.2 workers (prefork, threads, solo),
// and what the workers hold per queue: ETA tasks (scheduled + unacked, not waiting), prefetched
// tasks (reserved), and a busy solo worker that cannot answer.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let redis: Redis;
let w1: Worker;
let w2: Worker;
let w3: Worker;
let ctx: ReturnType<typeof testContext>;
let routes: {
  inspect: typeof import('@/app/api/v1/workers/[hostname]/inspect/[what]/route');
  flower: typeof import('@/app/api/workers/route');
};

async function get<T>(handler: (r: Request, c?: { params: Promise<Record<string, string>> }) => Promise<Response>, url: string, params: Record<string, string> = {}) {
  const res = await handler(new Request(`http://localhost${url}`), { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as T };
}

/** Publishes `n` sleepy(seconds) tasks to a queue with the example app; returns their ids. */
function publishSleepy(queue: string, n: number, seconds: number): string[] {
  const code = `import json; from tasks import sleepy; print(json.dumps([sleepy.apply_async((${seconds},), queue=${JSON.stringify(queue)}).id for _ in range(${n})]))`;
  const r = spawnSync(PYTHON, ['-c', code], { cwd: APP_DIR, env: celeryEnv(server.url(0), server.url(1)), encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return z.array(z.string()).parse(JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]'));
}

const backendState = async (id: string) => {
  const raw = await redis.call('GET', `celery-task-meta-${id}`).catch(() => null);
  return typeof raw === 'string' ? (JSON.parse(raw) as { status: string }).status : null;
};

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url(1));
  const brokerUrl = server.url(0);
  const backendUrl = server.url(1);
  [w1, w2, w3] = await Promise.all([
    startWorker({ brokerUrl, backendUrl, name: 'w1', queues: ['celery', 'held', 'pf'], pool: 'prefork', concurrency: 1 }),
    startWorker({ brokerUrl, backendUrl, name: 'w2', queues: ['celery'], pool: 'threads', concurrency: 2 }),
    startWorker({ brokerUrl, backendUrl, name: 'w3', queues: ['solo'], pool: 'solo' }),
  ]);
  Object.assign(process.env, { CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, TRELLIS_LOG_LEVEL: 'silent', TRELLIS_INSPECT_TIMEOUT: '1' });
  ctx = testContext({ CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, TRELLIS_INSPECT_TIMEOUT: '1' });
  routes = { inspect: await import('@/app/api/v1/workers/[hostname]/inspect/[what]/route'), flower: await import('@/app/api/workers/route') };
}, 180_000);

afterAll(async () => {
  await Promise.all([w1, w2, w3].map((w) => w?.kill()));
  ctx?.close();
  redis?.disconnect();
  await server?.stop();
});

describe('pidbox inspect against real workers', () => {
  it('gets ping, stats and active_queues replies from every worker and cleans up after itself', async () => {
    const { inspectAll } = await import('@/lib/server/inspect/inspect');
    const ping = await inspectAll(ctx, 'ping');
    expect(Object.keys(ping.workers).sort()).toEqual([w1.hostname, w2.hostname, w3.hostname].sort());
    for (const r of Object.values(ping.workers)) expect(r).toMatchObject({ status: 'ok', reply: { ok: 'pong' } });
    expect(ping.elapsedMs).toBeLessThan(1_000); // stopped once every subscriber answered

    const stats = await inspectAll(ctx, 'stats');
    expect((stats.workers[w1.hostname]?.reply as { pool: { processes: number[] } }).pool.processes).toHaveLength(1);
    expect((stats.workers[w2.hostname]?.reply as { pool: Record<string, unknown> }).pool['max-concurrency']).toBe(2);

    const { body } = await get<InspectReply>(routes.inspect.GET, `/api/v1/workers/${w1.hostname}/inspect/active_queues`, { hostname: w1.hostname, what: 'active_queues' });
    expect(body.status).toBe('ok');
    expect((body.reply as Array<{ name: string }>).map((q) => q.name).sort()).toEqual(['celery', 'held', 'pf']);

    const conf = await get<InspectReply>(routes.inspect.GET, `/api/v1/workers/${w2.hostname}/inspect/conf`, { hostname: w2.hostname, what: 'conf' });
    expect(conf.body).toMatchObject({ status: 'ok', reply: { task_default_queue: 'celery' } });

    // No reply binding or reply list outlives a call (protocol doc §6.4 step 4).
    const broker = new Redis(server.url(0));
    expect(await broker.smembers('_kombu.binding.reply.celery.pidbox')).toEqual([]);
    expect((await broker.scan('0', 'MATCH', '*.reply.celery.pidbox*', 'COUNT', 1000))[1]).toEqual([]);
    broker.disconnect();
  });

  it('refuses commands outside the whitelist before publishing anything', async () => {
    for (const what of ['shutdown', 'election', 'hello', 'revoke']) {
      const r = await get<{ error: { code: string } }>(routes.inspect.GET, `/api/v1/workers/${w1.hostname}/inspect/${what}`, { hostname: w1.hostname, what });
      expect(r.status).toBe(422);
    }
    const q = await get<InspectReply>(routes.inspect.GET, `/api/v1/workers/${w1.hostname}/inspect/query_task?ids=nope`, { hostname: w1.hostname, what: 'query_task' });
    expect(q.body).toMatchObject({ status: 'ok', reply: {} });
  });

  it('serves Flower’s /api/workers shape', async () => {
    const { body } = await get<Record<string, Record<string, unknown>>>(routes.flower.GET, '/api/workers?refresh=1');
    expect(Object.keys(body).sort()).toEqual([w1.hostname, w2.hostname, w3.hostname].sort());
    const one = body[w2.hostname] ?? {};
    for (const k of ['stats', 'active_queues', 'registered', 'scheduled', 'active', 'reserved', 'revoked', 'conf', 'timestamp']) expect(one).toHaveProperty(k);
    expect(one.registered).toContain('tasks.add');
    const single = await get<Record<string, unknown>>(routes.flower.GET, `/api/workers?workername=${encodeURIComponent(w1.hostname)}`);
    expect(Object.keys(single.body)).toEqual([w1.hostname]);
    expect((await get<unknown>(routes.flower.GET, '/api/workers?workername=nobody@nowhere')).status).toBe(404);
  });
});

describe('what workers hold, per queue', () => {
  it('counts ETA tasks as scheduled and unacked, not as waiting; agrees with LLEN/HLEN', async () => {
    const broker = new Redis(server.url(0));
    await runDriver(['held', 'held', '3'], { brokerUrl: server.url(0), backendUrl: server.url(1) });
    await waitFor(async () => (await broker.hlen('unacked')) >= 3, 'three ETA tasks delivered to w1');
    const { listQueues } = await import('@/lib/server/queues/list-queues');
    const [list, llen, hlen] = await Promise.all([listQueues(ctx, { fresh: true }), broker.llen('held'), broker.hlen('unacked')]);
    const held = list.queues.find((q) => q.name === 'held');
    expect(llen).toBe(0);
    expect(held).toMatchObject({ depth: llen, unacked: 3, scheduled: 3, reserved: 0, consumers: [w1.hostname] });
    expect(list.unacked).toMatchObject({ total: hlen, scanned: hlen, capped: false });
    expect(list.queues.find((q) => q.name === 'celery')?.consumers).toEqual([w1.hostname, w2.hostname].sort());
    broker.disconnect();
  });

  it('counts prefetched tasks as reserved', async () => {
    const ids = publishSleepy('pf', 4, 4);
    await waitFor(async () => (await backendState(ids[0] ?? '')) === 'STARTED', 'first sleeper running');
    const { listQueues } = await import('@/lib/server/queues/list-queues');
    const broker = new Redis(server.url(0));
    const list = await waitFor(async () => {
      const l = await listQueues(ctx, { fresh: true });
      const pf = l.queues.find((q) => q.name === 'pf');
      return pf && pf.reserved >= 1 ? l : null;
    }, 'w1 reporting prefetched tasks');
    const pf = list.queues.find((q) => q.name === 'pf');
    // One runs (acked, early ack), the rest are prefetched: off the list, in unacked, reserved.
    expect((pf?.reserved ?? 0) + (pf?.depth ?? 0)).toBe(3);
    expect(pf?.unacked).toBe(pf?.reserved);
    expect(pf?.depth).toBe(await broker.llen('pf'));
    broker.disconnect();
  });

  it('reports a busy solo worker as no-reply, not as an error', async () => {
    const [id] = publishSleepy('solo', 1, 6);
    await waitFor(async () => (await backendState(id ?? '')) === 'STARTED', 'solo worker busy');
    const { body, status } = await get<InspectReply & { elapsedMs: number }>(routes.inspect.GET, `/api/v1/workers/${w3.hostname}/inspect/ping`, { hostname: w3.hostname, what: 'ping' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ hostname: w3.hostname, status: 'no-reply' });
    expect(body.elapsedMs).toBeGreaterThanOrEqual(900);
    const other = await get<InspectReply>(routes.inspect.GET, `/api/v1/workers/${w2.hostname}/inspect/ping`, { hostname: w2.hostname, what: 'ping' });
    expect(other.body.status).toBe('ok');
  });
});
