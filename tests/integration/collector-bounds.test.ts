import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '@/lib/server/collector/collector';
import { getHealth } from '@/lib/server/health/get-health';
import { startRedis } from '../support/redis-server';
import { lifecycle, publishTaskEvents, taskEventsMessage, testContext, waitFor } from '../support/trellis';

// The collector's bounds, with the store and the broker on separate real Redis servers: a store that
// cannot keep up fills the ingest backlog to its byte bound, past which messages are dropped and
// accounted for in a gap (never a crash, never silent); a holder that cannot collect gives up the lease.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let broker: RedisServer;
let store: RedisServer;
let pub: Redis;

beforeAll(async () => {
  [broker, store] = await Promise.all([startRedis(), startRedis()]);
  pub = new Redis(broker.url(0));
});
afterAll(async () => {
  pub.disconnect();
  await Promise.all([broker.stop(), store.stop()]);
});

const EVENTS_PER_MESSAGE = 100;
const MESSAGES = 600;

describe('collector bounds', () => {
  it('a full ingest backlog drops messages and records exactly how many in a gap', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: broker.url(0), TRELLIS_STORE_URL: store.url(0), TRELLIS_INGEST_BACKLOG: '1mb' });
    const collector = new Collector(ctx, { jobs: [], maxPendingEvents: 1_000 });
    const admin = new Redis(store.url(0));
    try {
      await collector.start();
      expect(collector.isLeader).toBe(true);
      // Built before the pause and sent in one pipeline, so that the burst lands while the store is paused
      // however slow the machine; the collector holds at most 1,000 events for its next flush.
      const messages = Array.from({ length: MESSAGES }, () =>
        taskEventsMessage(0, Array.from({ length: EVENTS_PER_MESSAGE }, () => ({ type: 'task-received', uuid: randomUUID(), name: 'tasks.fill', args: '(1,)', kwargs: '{}', retries: 0 }))),
      );
      // The store takes no writes for 3 s (under the lease's TTL): flushes wait, the collector's buffer
      // fills, then the backlog.
      await admin.call('CLIENT', 'PAUSE', '3000', 'WRITE');
      const burst = pub.pipeline();
      for (const m of messages) burst.publish(m.channel, m.data);
      await burst.exec();
      const gap = await waitFor(async () => (await getHealth(ctx)).gaps.find((g) => /ingest backlog/.test(g.reason)), 'backlog gap', 30_000);
      expect(gap.reason).toMatch(/TRELLIS_INGEST_BACKLOG = 1 MB/);
      // Everything is accounted for: each message was either stored or counted as dropped (in one gap or more).
      const droppedIn = (gaps: Array<{ reason: string }>) => gaps.reduce((n, g) => n + Number(/^(\d+) event messages dropped: the ingest backlog/.exec(g.reason)?.[1] ?? 0), 0);
      let seen = '';
      await waitFor(async () => {
        const h = await getHealth(ctx);
        seen = `stored ${h.collector.eventsTotal}, dropped ${droppedIn(h.gaps)} messages`;
        return h.collector.eventsTotal + droppedIn(h.gaps) * EVENTS_PER_MESSAGE === MESSAGES * EVENTS_PER_MESSAGE;
      }, 'all accounted', 30_000).catch((err: Error) => {
        throw new Error(`${err.message}: ${seen}`);
      });
      const health = await getHealth(ctx);
      const dropped = droppedIn(health.gaps);
      expect(dropped).toBeGreaterThan(0);
      expect(health.collector.backlog.droppedMessages).toBe(dropped);
      expect(health.collector.backlog.peakBytes).toBeGreaterThan(0.8 * 1024 * 1024);
      expect(health.collector.backlog.peakBytes).toBeLessThanOrEqual(1024 * 1024);
      expect(health.collector.backlog.limitBytes).toBe(1024 * 1024);
      // And it keeps collecting.
      const id = randomUUID();
      await publishTaskEvents(pub, 0, lifecycle(id));
      await waitFor(async () => (await ctx.store.exists(ctx.keys.task(id))) === 1, 'collecting after the overflow');
    } finally {
      admin.disconnect();
      await collector.stop();
      ctx.close();
    }
  }, 90_000);

  it('a holder that cannot collect for 10 s gives the lease up, leaving the gap open for the next', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: broker.url(1), TRELLIS_STORE_URL: store.url(1) });
    const collector = new Collector(ctx, { jobs: [] });
    try {
      await collector.start();
      expect(collector.isLeader).toBe(true);
      await broker.kill();
      const downAt = Date.now();
      await waitFor(async () => (await ctx.store.get(ctx.keys.lease)) === null, 'lease given up', 20_000);
      const heldMs = Date.now() - downAt;
      expect(heldMs).toBeGreaterThan(9_000);
      expect(heldMs).toBeLessThan(15_000);
      expect(collector.isLeader).toBe(false);
      const open = (await getHealth(ctx)).gaps[0];
      expect(open?.end).toBeNull();
      await broker.start();
      // After its back-off it collects again and closes the gap.
      const closed = await waitFor(async () => (await getHealth(ctx)).gaps.find((g) => g.end !== null && /no collector running/.test(g.reason)), 'gap closed', 30_000);
      expect(closed.start).toBeLessThanOrEqual(downAt / 1000 + 1);
    } finally {
      await collector.stop();
      ctx.close();
    }
  }, 90_000);
});
