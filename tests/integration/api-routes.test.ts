import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../support/redis-server';
import { lifecycle, publishTaskEvents, waitFor } from '../support/trellis';

// The REST contract through the real route handlers (as Next.js calls them), against real Redis.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let pub: Redis;
let routes: {
  tasks: typeof import('@/app/api/v1/tasks/route');
  counts: typeof import('@/app/api/v1/tasks/counts/route');
  task: typeof import('@/app/api/v1/tasks/[id]/route');
  workers: typeof import('@/app/api/v1/workers/route');
  worker: typeof import('@/app/api/v1/workers/[hostname]/route');
  health: typeof import('@/app/api/v1/health/route');
  openapi: typeof import('@/app/api/v1/openapi.json/route');
  queues: typeof import('@/app/api/v1/queues/route');
  messages: typeof import('@/app/api/v1/queues/[name]/messages/route');
};
let stopCollector: () => Promise<void>;

const get = async (handler: (r: Request, c?: { params: Promise<Record<string, string>> }) => Promise<Response>, url: string, params: Record<string, string> = {}) => {
  const res = await handler(new Request(`http://localhost${url}`), { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
};

beforeAll(async () => {
  server = await startRedis();
  pub = new Redis(server.url(0));
  pub.on('error', () => undefined); // the last test stops Redis
  process.env.CELERY_BROKER_URL = server.url(0);
  process.env.TRELLIS_LOG_LEVEL = 'silent';
  routes = {
    tasks: await import('@/app/api/v1/tasks/route'),
    counts: await import('@/app/api/v1/tasks/counts/route'),
    task: await import('@/app/api/v1/tasks/[id]/route'),
    workers: await import('@/app/api/v1/workers/route'),
    worker: await import('@/app/api/v1/workers/[hostname]/route'),
    health: await import('@/app/api/v1/health/route'),
    openapi: await import('@/app/api/v1/openapi.json/route'),
    queues: await import('@/app/api/v1/queues/route'),
    messages: await import('@/app/api/v1/queues/[name]/messages/route'),
  };
  const { startProcessCollector, stopProcessCollector } = await import('@/lib/server/collector/runtime');
  const { getContext } = await import('@/lib/server/context');
  await startProcessCollector(getContext());
  stopCollector = stopProcessCollector;
});

afterAll(async () => {
  await stopCollector();
  pub.disconnect();
  await server.stop();
});

describe('REST API', () => {
  it('lists, counts and shows tasks', async () => {
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) await publishTaskEvents(pub, 0, lifecycle(id));
    await waitFor(async () => ((await get(routes.counts.GET, '/api/v1/tasks/counts')).body.counts as Record<string, number>).SUCCESS === 2, 'stored');

    const list = await get(routes.tasks.GET, '/api/v1/tasks?state=success&state=FAILURE&limit=1');
    expect(list.status).toBe(200);
    expect((list.body.items as unknown[]).length).toBe(1);
    expect(typeof list.body.nextCursor).toBe('string');
    const next = await get(routes.tasks.GET, `/api/v1/tasks?state=SUCCESS&state=FAILURE&limit=1&cursor=${list.body.nextCursor as string}`);
    expect((next.body.items as Array<{ id: string }>).map((t) => t.id)).not.toEqual((list.body.items as Array<{ id: string }>).map((t) => t.id));

    const since = await get(routes.tasks.GET, `/api/v1/tasks?since=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(since.body.items).toEqual([]);

    expect((await get(routes.counts.GET, '/api/v1/tasks/counts?by=name')).body).toEqual({ counts: { 'tasks.add': 2 } });
    const one = await get(routes.task.GET, `/api/v1/tasks/${ids[0]}`, { id: ids[0] as string });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: ids[0], state: 'SUCCESS', name: 'tasks.add', backend: null });
    expect((one.body.events as unknown[]).length).toBe(3);
  });

  it('answers bad input with a 4xx in the one error shape, never a stack trace', async () => {
    const cases: Array<[string, number, string]> = [
      ['/api/v1/tasks?limit=501', 422, 'INVALID_INPUT'],
      ['/api/v1/tasks?limit=abc', 422, 'INVALID_INPUT'],
      ['/api/v1/tasks?since=yesterday-ish', 422, 'INVALID_INPUT'],
      ['/api/v1/tasks?state=NOT%20A%20STATE', 422, 'INVALID_INPUT'],
      ['/api/v1/tasks?bogus=1', 422, 'INVALID_INPUT'],
      ['/api/v1/tasks?cursor=garbage', 422, 'INVALID_INPUT'],
      ['/api/v1/tasks/counts?by=color', 422, 'INVALID_INPUT'],
    ];
    for (const [url, status, code] of cases) {
      const handler = url.startsWith('/api/v1/tasks/counts') ? routes.counts.GET : routes.tasks.GET;
      const res = await get(handler, url);
      expect([url, res.status, res.body.error?.code]).toEqual([url, status, code]);
      expect(res.body.error?.message).toBeTruthy();
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    }
    const missing = await get(routes.task.GET, '/api/v1/tasks/nope', { id: 'nope' });
    expect(missing).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'task nope not found' } } });
    const noWorker = await get(routes.worker.GET, '/api/v1/workers/ghost@x', { hostname: 'ghost@x' });
    expect(noWorker.status).toBe(404);
  });

  it('reports health and serves the OpenAPI document', async () => {
    const health = await waitFor(async () => {
      const h = await get(routes.health.GET, '/api/v1/health');
      return (h.body.collector as { running: boolean }).running ? h : null;
    }, 'collector running');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', redis: { store: true, broker: true, backend: true }, collector: { thisProcess: true } });
    const doc = await get(routes.openapi.GET, '/api/v1/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect((await get(routes.workers.GET, '/api/v1/workers')).body).toEqual({ items: [], nextCursor: null });
  });

  // Last: it stops Redis.
  it('answers 503 UNAVAILABLE, without a stack, while Redis is down', async () => {
    await server.kill();
    try {
      // At once: each waits for the client's reconnection attempts (maxRetriesPerRequest) to run out.
      const calls = [
        ['/api/v1/tasks', get(routes.tasks.GET, '/api/v1/tasks')],
        ['/api/v1/queues', get(routes.queues.GET, '/api/v1/queues')],
        ['/api/v1/queues/celery/messages', get(routes.messages.GET, '/api/v1/queues/celery/messages', { name: 'celery' })],
      ] as const;
      for (const [url, pending] of calls) {
        const res = await pending;
        expect([url, res.status, res.body.error?.code]).toEqual([url, 503, 'UNAVAILABLE']);
        expect(res.body.error?.message).toMatch(/^Redis \(broker, store or result backend\) is unreachable; try again \(request [0-9a-f-]{36}\)$/);
        expect(Object.keys(res.body)).toEqual(['error']);
      }
    } finally {
      await server.start();
    }
  });
});
