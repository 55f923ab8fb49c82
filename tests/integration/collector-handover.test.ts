import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '@/lib/server/collector/collector';
import { getHealth } from '@/lib/server/health/get-health';
import { getTask } from '@/lib/server/tasks/get-task';
import { freePort, startRedis } from '../support/redis-server';
import { exited, lifecycle, publishTaskEvents, spawnCollector, testContext, waitFor } from '../support/trellis';

// Leadership between real collector processes: a paused holder that lost its lease writes nothing
// when it resumes, and no task document loses an event; SIGTERM hands over within a second; a
// process that cannot become leader (no event channel) releases the lease instead of sitting on it.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
type Child = ReturnType<typeof spawnCollector>;
let server: RedisServer;
let pub: Redis;

beforeAll(async () => {
  server = await startRedis();
  pub = new Redis(server.url(0));
});
afterAll(async () => {
  pub.disconnect();
  await server.stop();
});

const pidOf = (token: string) => Number(token.split(':')[1]);

async function twoCollectors(prefix: string) {
  const env = { CELERY_BROKER_URL: server.url(0), TRELLIS_STORE_PREFIX: prefix };
  const ctx = testContext(env);
  const children = [spawnCollector(env), spawnCollector(env)];
  const first = await waitFor(() => ctx.store.get(ctx.keys.lease), 'a lease holder', 20_000);
  await waitFor(async () => (await getHealth(ctx)).collector.running, 'collector running', 20_000);
  const leader = children.find((c) => c.pid === pidOf(first)) as Child;
  const standby = children.find((c) => c !== leader) as Child;
  const close = async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    ctx.close();
  };
  return { ctx, first, leader, standby, close };
}

const WRITES = /^(set|del|unlink|hset|hdel|hincrby|zadd|zrem|zremrangebyscore|sadd|srem|lpush|rpush|ltrim|expire|publish|mset|incr|incrby)$/i;

describe('collector leadership', () => {
  it('a holder paused past its lease writes nothing after SIGCONT; the other collects; no task loses an event', async () => {
    const { ctx, first, leader, standby, close } = await twoCollectors('h1:');
    const base = new Redis(server.url(0));
    let monitor: Redis | null = null;
    try {
      const ids = Array.from({ length: 5 }, () => randomUUID());
      for (const id of ids) await publishTaskEvents(pub, 0, lifecycle(id).slice(0, 2));
      await waitFor(async () => (await Promise.all(ids.map((id) => getTask(ctx, id).catch(() => null)))).every((t) => t?.state === 'STARTED'), 'started by the first holder');

      leader.kill('SIGSTOP');
      const next = await waitFor(async () => {
        const h = await ctx.store.get(ctx.keys.lease);
        return h && h !== first ? h : null;
      }, 'takeover', 15_000);
      expect(pidOf(next)).toBe(standby.pid);
      await waitFor(async () => (await ctx.store.hget(ctx.keys.collectorStats, 'holder')) === next, 'new holder collecting', 10_000);
      for (const id of ids) await publishTaskEvents(pub, 0, lifecycle(id).slice(2));
      await waitFor(async () => (await Promise.all(ids.map((id) => getTask(ctx, id)))).every((t) => t.state === 'SUCCESS'), 'finished by the new holder');

      // Watch every command the paused process sends once it resumes.
      const seen: Array<{ client: string; args: string[] }> = [];
      monitor = await base.monitor();
      monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ client: source, args }));
      leader.kill('SIGCONT');
      await new Promise((r) => setTimeout(r, 4_000));

      // The resumed process' store connection is the one still using its old term's token.
      const staleClients = new Set(seen.filter((c) => c.args.includes(first)).map((c) => c.client));
      expect(staleClients.size).toBeGreaterThan(0);
      // Store writes (Trellis' keys) other than competing for the lease; broker traffic is not the store's.
      const staleWrites = seen.filter(
        (c) => staleClients.has(c.client) && WRITES.test(c.args[0] ?? '') && (c.args[1] ?? '').startsWith('h1:') && !(c.args[0]?.toLowerCase() === 'set' && c.args[1] === ctx.keys.lease),
      );
      expect(staleWrites).toEqual([]);
      expect(await ctx.store.get(ctx.keys.lease)).toBe(next);
      expect(leader.output()).toMatch(/fenced out|stepping down/);
      for (const id of ids) {
        const t = await getTask(ctx, id);
        expect(t.state).toBe('SUCCESS');
        expect(t.events.map((e) => e.type)).toEqual(['task-received', 'task-started', 'task-succeeded']);
      }
    } finally {
      monitor?.disconnect();
      base.disconnect();
      await close();
    }
  }, 90_000);

  it('SIGTERM releases the lease: the standby collects within a second', async () => {
    const { ctx, first, leader, standby, close } = await twoCollectors('h2:');
    try {
      const t0 = Date.now();
      leader.kill('SIGTERM');
      const next = await waitFor(async () => {
        const h = await ctx.store.get(ctx.keys.lease);
        return h && h !== first ? h : null;
      }, 'takeover', 5_000);
      await waitFor(async () => (await ctx.store.hget(ctx.keys.collectorStats, 'holder')) === next, 'standby collecting', 5_000);
      const handoverMs = Date.now() - t0;
      expect(pidOf(next)).toBe(standby.pid);
      console.info(`SIGTERM handover: ${handoverMs} ms`);
      expect(handoverMs).toBeLessThan(1_000);
      await exited(leader);
      expect(leader.exitCode).toBe(0);
      const id = randomUUID();
      await publishTaskEvents(pub, 0, lifecycle(id));
      await waitFor(async () => (await getTask(ctx, id).catch(() => null))?.state === 'SUCCESS', 'collected by the new holder');
      const gap = (await getHealth(ctx)).gaps.find((g) => /collector stopped/.test(g.reason));
      expect(gap).toBeDefined();
      expect((gap?.end as number) - (gap?.start as number)).toBeLessThan(1);
    } finally {
      await close();
    }
  }, 60_000);

  it('a process that cannot subscribe to the event channel does not keep the lease', async () => {
    const deadBroker = `redis://127.0.0.1:${await freePort()}/0`;
    const ctx = testContext({ CELERY_BROKER_URL: deadBroker, TRELLIS_STORE_URL: server.url(4) });
    const collector = new Collector(ctx, { jobs: [] });
    try {
      await collector.start();
      expect(collector.isLeader).toBe(false);
      expect(await ctx.store.get(ctx.keys.lease)).toBeNull();
    } finally {
      await collector.stop();
      ctx.close();
    }
  }, 30_000);
});
