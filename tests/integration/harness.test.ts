import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runDriver, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';

// The harness itself: a real redis-server and a real Celery worker run a real task.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let worker: Worker;

beforeAll(async () => {
  server = await startRedis();
  worker = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'h1' });
});
afterAll(async () => {
  await worker?.stop();
  await server?.stop();
});

describe('test harness', () => {
  it('runs tasks.add on a real worker and stores SUCCESS in the result backend', async () => {
    const out = z.object({ ids: z.array(z.string()), states: z.record(z.string(), z.string()) }).parse(
      await runDriver(['burst', '2', '--wait'], { brokerUrl: server.url(0), backendUrl: server.url(1) }),
    );
    expect(Object.values(out.states)).toEqual(['SUCCESS', 'SUCCESS']);
    const backend = new Redis(server.url(1));
    const meta = JSON.parse((await backend.get(`celery-task-meta-${out.ids[0]}`)) ?? '{}') as { status: string; result: number; worker: string };
    backend.disconnect();
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 1, worker: worker.hostname });
    expect(worker.logs()).toMatch(/Task tasks\.add\[[0-9a-f-]+\] succeeded/);
  });

  it('restarts redis-server on the same port with nothing persisted', async () => {
    const port = server.port;
    const client = new Redis(server.url(5), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    await client.connect();
    await client.set('harness:probe', '1');
    client.disconnect();
    await server.restart();
    expect(server.port).toBe(port);
    const again = new Redis(server.url(5));
    expect(await again.get('harness:probe')).toBeNull();
    again.disconnect();
  });
});
