import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '@/lib/server/collector/collector';
import { startRedis } from '../support/redis-server';
import { testContext } from '../support/trellis';
import { waitForIncident, waitForResolved, writeAlertsFile } from '../support/alerts';

// discovery-incomplete against a real Redis: a broker DB of 400,000 keys takes queue discovery
// (bounded SCAN steps, 100 ms apart) a few seconds to cover; the incident fires while the first
// pass runs and resolves when it ends.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let ctx: ReturnType<typeof testContext>;
let collector: Collector;

beforeAll(async () => {
  server = await startRedis({ args: ['--enable-debug-command', 'local'] });
  ctx = testContext({
    CELERY_BROKER_URL: server.url(0),
    TRELLIS_STORE_URL: server.url(2),
    TRELLIS_ALERTS_FILE: writeAlertsFile({ rules: [{ id: 'discovery-incomplete', for: 0 }] }),
  });
  await ctx.broker.call('DEBUG', 'POPULATE', '400000', 'bulk');
  collector = new Collector(ctx, { alertIntervalMs: 200 });
  await collector.start();
}, 60_000);

afterAll(async () => {
  await collector?.stop();
  ctx?.close();
  await server?.stop();
});

describe('discovery incomplete', () => {
  it('fires while the first pass over the broker keyspace runs, and resolves when it ends', async () => {
    const open = await waitForIncident(ctx, 'discovery-incomplete', ['firing'], () => true, 20_000);
    expect(open.path).toBe('/queues');
    const done = await waitForResolved(ctx, 'discovery-incomplete', () => true, 60_000);
    expect(done.resolvedAt).toBeGreaterThan(done.since);
  }, 90_000);
});
