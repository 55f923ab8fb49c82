import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { storeKeys } from '@/lib/server/store/keys';
import { runDriver, startWorker } from '../support/celery';
import { MASTER_NAME, MASTER_PASSWORD, SENTINEL_PASSWORD, startSentinelDeployment, type SentinelDeployment } from '../support/sentinel';
import { lifecycle, publishTaskEvents, waitFor } from '../support/trellis';

// Issue 8 (Redis Sentinel): Trellis with broker, result backend and store all given as Celery's
// sentinel:// list, against real redis-sentinel processes (master and sentinels with passwords). It collects; `SENTINEL FAILOVER` is a
// recorded gap; then it collects from (and writes to) the new master.

let deployment: SentinelDeployment;
let routes: {
  task: typeof import('@/app/api/v1/tasks/[id]/route');
  health: typeof import('@/app/api/v1/health/route');
};
let stopCollector: () => Promise<void>;

const get = async (handler: (r: Request, c?: { params: Promise<Record<string, string>> }) => Promise<Response>, url: string, params: Record<string, string> = {}) => {
  const res = await handler(new Request(`http://localhost${url}`), { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const taskState = async (id: string) => {
  const res = await get(routes.task.GET, `/api/v1/tasks/${id}`, { id });
  return res.status === 200 ? (res.body as { state: string }).state : null;
};

interface GapView {
  start: number;
  end: number | null;
  reason: string;
  reconciled?: { checked: number; updated: number } | null;
}

const gaps = async () => ((await get(routes.health.GET, '/api/v1/health')).body as { gaps: GapView[] }).gaps;

/** Publishes a fresh task's lifecycle straight to the Redis on `port` (what a worker connected there does). */
async function publishTo(port: number, id: string): Promise<void> {
  const pub = new Redis({ host: '127.0.0.1', port, password: MASTER_PASSWORD });
  try {
    await publishTaskEvents(pub, 0, lifecycle(id));
  } finally {
    pub.disconnect();
  }
}

/** A real Celery worker and client on the sentinel:// lists run `count` tasks; Trellis must store them as SUCCESS. */
async function runCeleryBurst(name: string, count: number): Promise<void> {
  // Celery takes the master name from the transport options (Trellis: TRELLIS_SENTINEL_MASTER).
  const celery = {
    brokerUrl: deployment.url(0),
    backendUrl: deployment.url(1),
    env: {
      CELERY_EXTRA_CONF: JSON.stringify({
        broker_transport_options: { master_name: MASTER_NAME, sentinel_kwargs: { password: SENTINEL_PASSWORD } },
        result_backend_transport_options: { master_name: MASTER_NAME, sentinel_kwargs: { password: SENTINEL_PASSWORD } },
      }),
    },
  };
  const worker = await startWorker({ ...celery, name, pool: 'solo', concurrency: 1 });
  try {
    const out = z.object({ ids: z.array(z.string()), states: z.record(z.string(), z.string()) }).parse(await runDriver(['burst', String(count), '--wait'], celery));
    expect(Object.values(out.states)).toEqual(Array(count).fill('SUCCESS'));
    await waitFor(async () => (await Promise.all(out.ids.map(taskState))).every((s) => s === 'SUCCESS'), 'the worker’s tasks stored as SUCCESS', 30_000);
  } finally {
    await worker.stop();
  }
}

beforeAll(async () => {
  deployment = await startSentinelDeployment();
  process.env.CELERY_BROKER_URL = deployment.url(0);
  process.env.CELERY_RESULT_BACKEND = deployment.url(1);
  process.env.TRELLIS_STORE_URL = deployment.url(2);
  process.env.TRELLIS_SENTINEL_MASTER = MASTER_NAME;
  process.env.TRELLIS_SENTINEL_PASSWORD = SENTINEL_PASSWORD;
  process.env.TRELLIS_LOG_LEVEL = 'silent';
  routes = {
    task: await import('@/app/api/v1/tasks/[id]/route'),
    health: await import('@/app/api/v1/health/route'),
  };
  const { startProcessCollector, stopProcessCollector } = await import('@/lib/server/collector/runtime');
  const { getContext } = await import('@/lib/server/context');
  const collector = await startProcessCollector(getContext());
  stopCollector = stopProcessCollector;
  await waitFor(async () => collector.isLeader, 'the collector to take the lease');
}, 120_000);

afterAll(async () => {
  await stopCollector?.();
  await deployment?.stop();
});

describe('Redis Sentinel', () => {
  it('collects a real Celery worker’s tasks, the worker and Trellis both on the sentinel:// lists', async () => {
    // The passwords are really required: Celery and Trellis both authenticated to master and sentinels.
    const anonymous = new Redis({ host: '127.0.0.1', port: deployment.sentinelPorts[0], maxRetriesPerRequest: 0, enableReadyCheck: false });
    anonymous.on('error', () => undefined);
    try {
      await expect(anonymous.call('SENTINEL', 'MASTERS')).rejects.toThrow(/NOAUTH/);
    } finally {
      anonymous.disconnect();
    }
    await runCeleryBurst('s1', 3);
  });

  it('collects through sentinel:// URLs, records a failover as a gap, then collects from the new master', async () => {
    const oldMaster = await deployment.masterPort();
    expect(oldMaster).toBe(deployment.master.port);

    const before = randomUUID();
    const publishedAt = Date.now() / 1000;
    await publishTo(oldMaster, before);
    await waitFor(async () => (await taskState(before)) === 'SUCCESS', 'a task published to the master to be stored');
    const gapsBefore = (await gaps()).length;

    const failoverAt = Date.now() / 1000;
    const newMaster = await deployment.failover();
    expect(newMaster).toBe(deployment.replica.port);

    // The subscription moved: a gap covering the failover is recorded (and closed once listening again).
    const gap = await waitFor(async () => {
      const all = await gaps();
      return all.length > gapsBefore ? all.find((g) => g.end !== null) : null;
    }, 'a gap for the failover', 30_000);
    // From the last message read before the failover to the moment the subscription was back.
    expect(gap.start).toBeGreaterThanOrEqual(publishedAt - 0.5);
    expect(gap.end as number).toBeGreaterThanOrEqual(failoverAt);
    expect(gap.reason).toMatch(/master changed|failover/i);
    expect(gap.reconciled).not.toBeNull(); // unfinished tasks were checked against the (new) result backend

    // Collection resumes: events published to the new master are stored (in the store, now on the
    // new master too), and the history from before the failover is still there (replicated).
    const after = randomUUID();
    await publishTo(newMaster, after);
    await waitFor(async () => (await taskState(after)) === 'SUCCESS', 'a task published to the new master to be stored', 30_000);
    expect(await taskState(before)).toBe('SUCCESS');
    const stored = new Redis({ host: '127.0.0.1', port: newMaster, db: 2, password: MASTER_PASSWORD });
    try {
      expect(await stored.exists(storeKeys('trellis:').task(after))).toBe(1);
    } finally {
      stored.disconnect();
    }

    // And a real Celery worker started now reaches the new master through the sentinels too.
    await runCeleryBurst('s2', 2);
  });
});
