import { once } from 'node:events';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerHealth } from '@/lib/server/broker/broker-health';
import { TYPICAL_EVENT_MESSAGE_BYTES } from '@/lib/server/broker/pubsub-buffer';
import { startRedis, type RedisServer } from '../support/redis-server';
import { spawnCollector, testContext, waitFor } from '../support/trellis';

// Issue 8 (sharing safely, output-buffer limit): /api/v1/broker's domain function and the start-up
// log say what burst the broker's pub/sub output-buffer limit allows, and warn when Trellis' store
// shares a Redis whose maxmemory-policy can evict keys. Real redis-servers, configured as a
// deployment would be (a raised limit; an evicting policy; CONFIG disabled as managed Redis does).

let shared: RedisServer;
let admin: Redis;

beforeAll(async () => {
  shared = await startRedis({ args: ['--client-output-buffer-limit', 'pubsub 64mb 16mb 30'] });
  admin = new Redis(shared.url(0));
});

afterAll(async () => {
  admin?.disconnect();
  await shared?.stop();
});

describe('broker limits and sharing', () => {
  it('reports the pub/sub output-buffer limit as bytes and event messages', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: shared.url(0) });
    try {
      const h = await brokerHealth(ctx);
      expect(h.pubsubOutputBuffer).toMatchObject({
        hardLimitBytes: 64 * 1024 * 1024,
        softLimitBytes: 16 * 1024 * 1024,
        softLimitSeconds: 30,
        hardLimitMessages: Math.floor((64 * 1024 * 1024) / TYPICAL_EVENT_MESSAGE_BYTES),
        unknownReason: null,
      });
      expect(h.pubsubOutputBuffer.summary).toMatch(/64 MB \(≈ \d+ event messages\) unread or 16 MB .* for 30 s/);
    } finally {
      ctx.close();
    }
  });

  it('warns when the store shares the broker’s Redis (another DB too) and its policy can evict keys', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: shared.url(0), CELERY_RESULT_BACKEND: shared.url(1), TRELLIS_STORE_URL: shared.url(2) });
    try {
      expect((await brokerHealth(ctx)).storeSharing).toEqual({ sharedWith: ['broker', 'backend'], maxMemoryPolicy: 'noeviction', canEvict: false, warning: null });

      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const lru = await brokerHealth(ctx);
      expect(lru.storeSharing).toMatchObject({ canEvict: true, warning: expect.stringMatching(/shares a Redis server with the broker and the result backend whose maxmemory-policy is allkeys-lru/) });
      expect(lru.warnings).toContain(lru.storeSharing.warning);

      // volatile-*: only keys with a TTL are evicted, so it matters once there are some.
      await admin.config('SET', 'maxmemory-policy', 'volatile-lru');
      expect((await brokerHealth(ctx)).storeSharing).toMatchObject({ canEvict: false, warning: null });
      await admin.set('celery-task-meta-x', '{}', 'EX', 3600);
      expect((await brokerHealth(ctx)).storeSharing).toMatchObject({ canEvict: true, warning: expect.stringMatching(/volatile-lru/) });
    } finally {
      await admin.del('celery-task-meta-x');
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      ctx.close();
    }
  });

  it('does not warn when the store has its own Redis instance', async () => {
    const own = await startRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    const ctx = testContext({ CELERY_BROKER_URL: shared.url(0), TRELLIS_STORE_URL: own.url(0) });
    try {
      expect((await brokerHealth(ctx)).storeSharing).toEqual({ sharedWith: [], maxMemoryPolicy: 'allkeys-lru', canEvict: true, warning: null });
    } finally {
      ctx.close();
      await own.stop();
    }
  });

  it('says "unknown" and why when CONFIG is not allowed', async () => {
    const managed = await startRedis({ args: ['--rename-command', 'CONFIG', ''] });
    const ctx = testContext({ CELERY_BROKER_URL: managed.url(0) });
    try {
      const h = await brokerHealth(ctx);
      expect(h.pubsubOutputBuffer).toMatchObject({ hardLimitBytes: null, hardLimitMessages: null, unknownReason: expect.stringMatching(/CONFIG GET is not allowed: ERR unknown command/) });
      expect(h.pubsubOutputBuffer.summary).toMatch(/^pub\/sub output-buffer limit unknown/);
      expect(h.storeSharing).toMatchObject({ maxMemoryPolicy: null, canEvict: null });
    } finally {
      ctx.close();
      await managed.stop();
    }
  });

  it('says both at start (the collector process log)', async () => {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const c = spawnCollector({ CELERY_BROKER_URL: shared.url(0), TRELLIS_STORE_PREFIX: 'start:' });
    try {
      const out = await waitFor(async () => (/shares a Redis server/.test(c.output()) && /broker: Redis drops the event subscriber/.test(c.output()) ? c.output() : null), 'the start-up report', 30_000);
      expect(out).toMatch(/broker: Redis drops the event subscriber when it is 64 MB/);
      expect(out).toMatch(/maxmemory-policy is allkeys-lru/);
    } finally {
      c.kill('SIGKILL');
      if (c.exitCode === null && c.signalCode === null) await once(c, 'exit');
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });
});
