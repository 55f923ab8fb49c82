import { spawnSync } from 'node:child_process';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { APP_DIR, celeryEnv, PYTHON, runDriver, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';
import { Collector } from '@/lib/server/collector/collector';
import type { InspectReply } from '@/lib/server/inspect/inspect';
import { listWorkers } from '@/lib/server/workers/list-workers';

// Worker inspection through the pidbox against real Celery 5.2 workers (prefork, threads, solo),
// with a collector keeping worker status from their heartbeats as in production, and what the
// workers hold per queue: ETA tasks (scheduled + unacked, not waiting), prefetched tasks
// (reserved), and a busy solo worker that cannot answer.

// w2 logs in with a password (a Redis ACL user) and carries more passwords in its settings.
const ACL_USER = 'trellis-acl';
const ACL_PASSWORD = 'acl-pw-7f3c9';
const EXTRA_CONF = {
  trellis_test_failover: 'redis://:fo-pw-1@h1:6379/0;redis://:fo-pw-2@h2:6379/0',
  // A key naming a backend gets Celery's own maybe_sanitize_url, which misses the second password.
  trellis_test_result_backend: 'redis://:be-pw-1@h1;redis://:be-pw-2@h2',
  trellis_test_notes: ['see sentinel://:sn-pw-3@10.0.0.1:26379 and sqla+postgresql://scott:pg-pw-4@db/celery'],
  trellis_test_events_url: 'amqp://guest:amqp-pw-5@rabbit//',
};
const SECRETS = [ACL_PASSWORD, 'fo-pw-1', 'fo-pw-2', 'be-pw-1', 'be-pw-2', 'sn-pw-3', 'pg-pw-4', 'amqp-pw-5'];

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let redis: Redis;
let w1: Worker;
let w2: Worker;
let w3: Worker;
let ctx: ReturnType<typeof testContext>;
let collector: Collector;
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
  server = await startRedis({ args: ['--user', ACL_USER, 'on', `>${ACL_PASSWORD}`, '~*', '&*', '+@all'] });
  redis = new Redis(server.url(1));
  const brokerUrl = server.url(0);
  const backendUrl = server.url(1);
  const withPassword = (url: string) => url.replace('redis://', `redis://${ACL_USER}:${ACL_PASSWORD}@`);
  [w1, w2, w3] = await Promise.all([
    startWorker({ brokerUrl, backendUrl, name: 'w1', queues: ['celery', 'held', 'pf'], pool: 'prefork', concurrency: 1 }),
    startWorker({
      brokerUrl: withPassword(brokerUrl),
      backendUrl: withPassword(backendUrl),
      name: 'w2',
      queues: ['celery'],
      pool: 'threads',
      concurrency: 2,
      env: { CELERY_EXTRA_CONF: JSON.stringify(EXTRA_CONF) },
    }),
    startWorker({ brokerUrl, backendUrl, name: 'w3', queues: ['solo'], pool: 'solo' }),
  ]);
  Object.assign(process.env, { CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, TRELLIS_LOG_LEVEL: 'silent', TRELLIS_INSPECT_TIMEOUT: '1' });
  ctx = testContext({ CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, TRELLIS_INSPECT_TIMEOUT: '1' });
  collector = new Collector(ctx);
  await collector.start();
  await waitFor(async () => (await listWorkers(ctx)).filter((w) => w.status === 'online').length === 3, 'three workers online in the store');
  routes = { inspect: await import('@/app/api/v1/workers/[hostname]/inspect/[what]/route'), flower: await import('@/app/api/workers/route') };
}, 180_000);

afterAll(async () => {
  await collector?.stop();
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
    // Every command the broker runs, in order (MONITOR). INFO commandstats cannot tell: the
    // workers PUBLISH a heartbeat every 2 s, so cmdstat_publish moves anyway.
    const monitored = await new Redis(server.url(0)).monitor();
    const seen: string[][] = [];
    monitored.on('monitor', (_time: string, args: string[]) => seen.push(args));
    const marker = new Redis(server.url(0));
    /** Index in `seen` after every command sent before this call (MONITOR streams in execution order). */
    const mark = async (name: string) => {
      await marker.echo(`mark-${name}`);
      await waitFor(async () => seen.some((a) => a[1] === `mark-${name}`), `MONITOR showing mark-${name}`);
      return seen.findIndex((a) => a[1] === `mark-${name}`);
    };
    const pidboxCommands = (from: number, to: number) => seen.slice(from, to).filter((a) => a.some((x) => x.includes('pidbox')));
    try {
      const start = await mark('start');
      for (const what of ['shutdown', 'election', 'hello', 'revoke']) {
        const r = await get<{ error: { code: string } }>(routes.inspect.GET, `/api/v1/workers/${w1.hostname}/inspect/${what}`, { hostname: w1.hostname, what });
        expect(r.status).toBe(422);
      }
      const bad = await get<{ error: { code: string } }>(routes.inspect.GET, `/api/v1/workers/${w1.hostname}/inspect/active?nope=1`, { hostname: w1.hostname, what: 'active' });
      expect(bad.status).toBe(422);
      const refused = await mark('refused');
      expect(pidboxCommands(start, refused)).toEqual([]);

      // The same watch does see an allowed command: binding, one PUBLISH to the pidbox, cleanup.
      const q = await get<InspectReply>(routes.inspect.GET, `/api/v1/workers/${w1.hostname}/inspect/query_task?ids=nope`, { hostname: w1.hostname, what: 'query_task' });
      expect(q.body).toMatchObject({ status: 'ok', reply: {} });
      const allowed = pidboxCommands(refused, await mark('allowed'));
      expect(allowed.filter((a) => a[0]?.toLowerCase() === 'publish').map((a) => a[1])).toEqual(['/0.celery.pidbox']);
      expect(allowed.filter((a) => ['sadd', 'srem'].includes(a[0]?.toLowerCase() ?? '')).map((a) => `${a[0]?.toLowerCase()} ${a[1]}`)).toEqual([
        'sadd _kombu.binding.reply.celery.pidbox',
        'srem _kombu.binding.reply.celery.pidbox',
      ]);
    } finally {
      monitored.disconnect();
      marker.disconnect();
    }
  });

  it('never shows a password from a worker’s settings, though the worker sends them', async () => {
    const { pidboxCall } = await import('@/lib/server/inspect/pidbox-call');
    const { inspectAll } = await import('@/lib/server/inspect/inspect');
    // The raw reply really carries them (Celery censors broker_url and result_backend itself, not the rest).
    const raw = await pidboxCall(ctx, { method: 'conf', destination: [w2.hostname], timeoutSeconds: 1 });
    const rawText = JSON.stringify(raw.replies.get(w2.hostname));
    for (const s of ['fo-pw-2', 'be-pw-2', 'sn-pw-3', 'pg-pw-4', 'amqp-pw-5']) expect(rawText).toContain(s);

    const conf = await get<InspectReply>(routes.inspect.GET, `/api/v1/workers/${w2.hostname}/inspect/conf`, { hostname: w2.hostname, what: 'conf' });
    expect(conf.body.reply).toMatchObject({
      trellis_test_failover: 'redis://:***@h1:6379/0;redis://:***@h2:6379/0',
      trellis_test_result_backend: 'redis://:***@h1%3Bredis//:***@h2',
      trellis_test_notes: ['see sentinel://:***@10.0.0.1:26379 and sqla+postgresql://scott:***@db/celery'],
      trellis_test_events_url: 'amqp://guest:***@rabbit//',
    });
    const texts = [
      JSON.stringify(conf.body),
      JSON.stringify((await get<InspectReply>(routes.inspect.GET, `/api/v1/workers/${w2.hostname}/inspect/conf?with_defaults=true`, { hostname: w2.hostname, what: 'conf' })).body),
      JSON.stringify((await get<InspectReply>(routes.inspect.GET, `/api/v1/workers/${w2.hostname}/inspect/stats`, { hostname: w2.hostname, what: 'stats' })).body),
      JSON.stringify(await inspectAll(ctx, 'conf', { with_defaults: true })),
      JSON.stringify((await get<unknown>(routes.flower.GET, `/api/workers?workername=${encodeURIComponent(w2.hostname)}`)).body),
      JSON.stringify((await get<unknown>(routes.flower.GET, '/api/workers?refresh=1')).body),
    ];
    for (const t of texts) {
      expect(t).toContain(w2.hostname);
      for (const secret of SECRETS) expect(t).not.toContain(secret);
    }
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

/** The queue list as the collecting process measures it (requests then read it from the store), inspect cache skipped. */
async function measured(c: typeof ctx) {
  const { measureQueues } = await import('@/lib/server/queues/snapshot');
  const s = await measureQueues(c, { fresh: true });
  return { queues: s.views, unacked: s.unacked, noReply: s.noReply };
}

describe('what workers hold, per queue', () => {
  it('counts ETA tasks as scheduled and unacked, not as waiting; agrees with LLEN/HLEN', async () => {
    const broker = new Redis(server.url(0));
    await runDriver(['held', 'held', '3'], { brokerUrl: server.url(0), backendUrl: server.url(1) });
    await waitFor(async () => (await broker.hlen('unacked')) >= 3, 'three ETA tasks delivered to w1');
    const [list, llen, hlen] = await Promise.all([measured(ctx), broker.llen('held'), broker.hlen('unacked')]);
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
    const broker = new Redis(server.url(0));
    const list = await waitFor(async () => {
      const l = await measured(ctx);
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

  it('keeps a busy solo worker as its queue’s consumer (busy) while it is lost, and reports it as no-reply', async () => {
    const { inspectAll } = await import('@/lib/server/inspect/inspect');
    const { consumerDetailsFrom } = await import('@/lib/server/queues/consumers');
    const solo = async () => (await listWorkers(ctx)).find((w) => w.hostname === w3.hostname);
    // Idle, it answers; the store has it online, heartbeating at Celery's default interval (2 s).
    expect((await inspectAll(ctx, 'active_queues')).workers[w3.hostname]?.status).toBe('ok');
    expect(await solo()).toMatchObject({ status: 'online', freq: 2 });

    const [id] = publishSleepy('solo', 1, 20);
    await waitFor(async () => (await backendState(id ?? '')) === 'STARTED', 'solo worker busy');
    const startedAt = Date.now();
    // The task blocks its event loop: no heartbeat, so lost once 2 × 2 s pass after the last one.
    const lost = await waitFor(async () => {
      const w = await solo();
      return w?.status === 'lost' ? w : null;
    }, 'the busy solo worker judged lost', 10_000);
    expect(Date.now() - startedAt).toBeLessThan(6_000);
    expect(lost.heartbeatAge).toBeGreaterThanOrEqual(4);

    const ping = await get<InspectReply & { elapsedMs: number }>(routes.inspect.GET, `/api/v1/workers/${w3.hostname}/inspect/ping`, { hostname: w3.hostname, what: 'ping' });
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ hostname: w3.hostname, status: 'no-reply', workerStatus: 'lost' });
    expect(ping.body.note).toMatch(/^busy or gone, no reply \(no heartbeat for \d+ s/);
    expect(ping.body.elapsedMs).toBeGreaterThanOrEqual(900);

    const aq = await inspectAll(ctx, 'active_queues');
    // The busy worker is still subscribed but cannot answer: the broadcast stops shortly after
    // every online worker answered instead of waiting out the 1 s timeout.
    expect(aq.elapsedMs).toBeLessThan(600);
    const busy = aq.workers[w3.hostname];
    expect(busy).toMatchObject({ status: 'no-reply', workerStatus: 'lost', lastReply: { at: expect.any(Number) } });
    expect(consumerDetailsFrom(aq).get('solo')).toEqual([{ hostname: w3.hostname, busy: true, since: busy?.lastReply?.at }]);
    expect(consumerDetailsFrom(aq).get('celery')?.map((c) => c.busy)).toEqual([false, false]);

    // The queue keeps its consumer (no false "no consumers"); the worker is listed as not answering.
    const list = await measured(ctx);
    expect(list.queues.find((q) => q.name === 'solo')).toMatchObject({ consumers: [w3.hostname], busyConsumers: [w3.hostname] });
    expect(list.queues.find((q) => q.name === 'celery')?.busyConsumers).toEqual([]);
    expect(list.noReply).toEqual([w3.hostname]);
    // Another process that never heard the worker answer knows it from the store.
    const other = testContext({ CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_INSPECT_TIMEOUT: '1' });
    try {
      const seen = await measured(other);
      expect(seen.queues.find((q) => q.name === 'solo')).toMatchObject({ consumers: [w3.hostname], busyConsumers: [w3.hostname] });
    } finally {
      other.close();
    }

    // Flower: a known worker, so no 404, just no inspect keys.
    const flower = await get<Record<string, unknown>>(routes.flower.GET, `/api/workers?workername=${encodeURIComponent(w3.hostname)}`);
    expect(flower).toEqual({ status: 200, body: { [w3.hostname]: {} } });
    expect((await get<InspectReply>(routes.inspect.GET, `/api/v1/workers/${w2.hostname}/inspect/ping`, { hostname: w2.hostname, what: 'ping' })).body.status).toBe('ok');
    expect(await backendState(id ?? '')).toBe('STARTED'); // all of the above happened while it ran

    // Done: heartbeats again, answers again, consumes again (not busy).
    await waitFor(async () => (await backendState(id ?? '')) === 'SUCCESS', 'the long task done', 30_000);
    await waitFor(async () => (await solo())?.status === 'online', 'the solo worker online again');
    const after = await inspectAll(ctx, 'active_queues');
    expect(after.workers[w3.hostname]?.status).toBe('ok');
    expect(consumerDetailsFrom(after).get('solo')).toEqual([{ hostname: w3.hostname, busy: false, since: null }]);
  }, 90_000);
});

describe('control exchange', () => {
  it('reaches workers on another control_exchange only with TRELLIS_CONTROL_EXCHANGE', async () => {
    const { inspectAll, inspectWorker } = await import('@/lib/server/inspect/inspect');
    const w4 = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'w4', queues: ['ops'], pool: 'solo', env: { CELERY_EXTRA_CONF: JSON.stringify({ control_exchange: 'trellis_ops' }) } });
    const ops = testContext({ CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_INSPECT_TIMEOUT: '1', TRELLIS_CONTROL_EXCHANGE: 'trellis_ops' });
    try {
      // Inspecting one worker needs Trellis to know it (unknown names are 404 without a broadcast).
      await waitFor(async () => (await listWorkers(ctx)).some((w) => w.hostname === w4.hostname), 'w4 in the store');
      const answered = (r: Awaited<ReturnType<typeof inspectAll>>) => Object.values(r.workers).filter((w) => w.status === 'ok').map((w) => w.hostname).sort();
      expect(answered(await inspectAll(ops, 'ping'))).toEqual([w4.hostname]);
      expect(await inspectWorker(ops, w4.hostname, 'ping')).toMatchObject({ status: 'ok', reply: { ok: 'pong' } });
      expect(answered(await inspectAll(ctx, 'ping'))).toEqual([w1.hostname, w2.hostname, w3.hostname].sort());
      expect(await inspectWorker(ctx, w4.hostname, 'ping')).toMatchObject({ status: 'no-reply' });
      const broker = new Redis(server.url(0));
      expect(await broker.smembers('_kombu.binding.reply.trellis_ops.pidbox')).toEqual([]);
      broker.disconnect();
    } finally {
      ops.close();
      await w4.stop();
    }
  }, 90_000);
});
