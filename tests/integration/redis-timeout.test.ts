import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../support/redis-server';
import { waitFor } from '../support/trellis';

// Issue 8 (every Redis command with a timeout): a Redis that stops answering (SIGSTOP: the socket
// stays open, nothing comes back) gives the API a 503 with the error contract within about
// TRELLIS_REDIS_TIMEOUT, not a hung request; and the timeout does not cost a subscription.

const TIMEOUT_S = 1;
let server: RedisServer;
let redisPid: number;
let routes: {
  tasks: typeof import('@/app/api/v1/tasks/route');
  queues: typeof import('@/app/api/v1/queues/route');
  broker: typeof import('@/app/api/v1/broker/route');
};

const get = async (handler: (r: Request) => Promise<Response>, url: string) => {
  const res = await handler(new Request(`http://localhost${url}`));
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
};

beforeAll(async () => {
  server = await startRedis();
  const admin = new Redis(server.url(0));
  redisPid = Number(/process_id:(\d+)/.exec(await admin.info('server'))?.[1]);
  admin.disconnect();
  process.env.CELERY_BROKER_URL = server.url(0);
  process.env.TRELLIS_REDIS_TIMEOUT = String(TIMEOUT_S);
  process.env.TRELLIS_LOG_LEVEL = 'silent';
  routes = {
    tasks: await import('@/app/api/v1/tasks/route'),
    queues: await import('@/app/api/v1/queues/route'),
    broker: await import('@/app/api/v1/broker/route'),
  };
});

afterAll(async () => {
  await server?.stop();
});

describe('a stalled Redis', () => {
  it('answers 503 UNAVAILABLE within about the command timeout', async () => {
    // Connected and answering first.
    expect((await get(routes.tasks.GET, '/api/v1/tasks')).status).toBe(200);
    expect(redisPid).toBeGreaterThan(0);
    process.kill(redisPid, 'SIGSTOP');
    try {
      for (const [url, handler] of [
        ['/api/v1/tasks', routes.tasks.GET],
        ['/api/v1/queues', routes.queues.GET],
        ['/api/v1/broker', routes.broker.GET],
      ] as const) {
        const started = Date.now();
        const res = await get(handler, url);
        const seconds = (Date.now() - started) / 1000;
        expect([url, res.status, res.body.error?.code]).toEqual([url, 503, 'UNAVAILABLE']);
        expect(Object.keys(res.body)).toEqual(['error']);
        // One command's timeout (a route may wait on a few commands in sequence), never a hang.
        expect(seconds).toBeGreaterThanOrEqual(TIMEOUT_S * 0.9);
        expect(seconds).toBeLessThan(TIMEOUT_S * 3 + 0.5);
      }
    } finally {
      process.kill(redisPid, 'SIGCONT');
    }
    // And back once Redis answers again.
    expect((await get(routes.tasks.GET, '/api/v1/tasks')).status).toBe(200);
  });

  it('subscribes the live hub once Redis is back, though its SUBSCRIBE timed out meanwhile', async () => {
    const { getContext } = await import('@/lib/server/context');
    const { liveHub } = await import('@/lib/server/live/hub');
    const ctx = getContext();
    const received: unknown[] = [];
    await server.kill();
    const leave = liveHub(ctx).subscribe((m) => received.push(m.notice));
    try {
      // Its SUBSCRIBE times out meanwhile; ioredis still sends it once connected.
      await new Promise((r) => setTimeout(r, TIMEOUT_S * 2_500));
      await server.start();
      const admin = new Redis(server.url(0));
      try {
        await waitFor(async () => {
          const [, subscribers] = (await admin.pubsub('NUMSUB', ctx.keys.updatesChannel)) as [string, number];
          return subscribers > 0;
        }, 'the hub to subscribe again', 10_000);
        await admin.publish(ctx.keys.updatesChannel, JSON.stringify({ tasks: [], workers: [] }));
        await waitFor(async () => received.length > 0, 'the notice to reach the listener');
      } finally {
        admin.disconnect();
      }
    } finally {
      leave();
    }
  });
});
