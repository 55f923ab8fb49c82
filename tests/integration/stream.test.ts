import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '@/lib/server/collector/collector';
import { sseResponse } from '@/lib/server/live/sse';
import { startRedis } from '../support/redis-server';
import { lifecycle, publishTaskEvents, testContext } from '../support/trellis';

// GET /api/v1/stream's machinery against real Redis: the collector's notices reach an SSE client,
// and a reconnecting client resumes from Last-Event-ID.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let pub: Redis;
let ctx: ReturnType<typeof testContext>;
let collector: Collector;

beforeAll(async () => {
  server = await startRedis();
  pub = new Redis(server.url(0));
  ctx = testContext({ CELERY_BROKER_URL: server.url(0), TRELLIS_STORE_PREFIX: 's1:' });
  collector = new Collector(ctx);
  await collector.start();
});
afterAll(async () => {
  await collector.stop();
  ctx.close();
  pub.disconnect();
  await server.stop();
});

/** Reads SSE frames until `until` says stop (or the time runs out). */
async function readFrames(res: Response, until: (frames: string[]) => boolean, ms = 10_000): Promise<string[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const end = Date.now() + ms;
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  while (Date.now() < end) {
    pending ??= reader.read();
    const chunk = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), 200))]);
    if (chunk) pending = null;
    if (chunk && !chunk.done) text += decoder.decode(chunk.value);
    const frames = text.split('\n\n').filter(Boolean);
    if (until(frames)) {
      await reader.cancel();
      return frames;
    }
  }
  await reader.cancel();
  return text.split('\n\n').filter(Boolean);
}

describe('live stream', () => {
  it('delivers an update within a second of the events, and resumes from Last-Event-ID', async () => {
    const controller = new AbortController();
    const res = sseResponse(ctx, new Request('http://localhost/api/v1/stream', { signal: controller.signal }));
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const id = randomUUID();
    const sentAt = Date.now();
    setTimeout(() => void publishTaskEvents(pub, 0, lifecycle(id)), 300);
    const frames = await readFrames(res, (f) => f.some((x) => x.includes(id)));
    const update = frames.find((f) => f.includes(id)) ?? '';
    expect(Date.now() - sentAt).toBeLessThan(300 + 1_000);
    expect(update).toMatch(/^id: \d+\nevent: update\ndata: /);
    const lastId = Number(/^id: (\d+)/.exec(update)?.[1]);
    controller.abort();

    // Something happens while the client is away; it comes back with Last-Event-ID.
    const missed = randomUUID();
    const keeper = sseResponse(ctx, new Request('http://localhost/api/v1/stream')); // keeps the hub subscribed
    const keeperFrames = readFrames(keeper, (f) => f.some((x) => x.includes(missed)));
    await new Promise((r) => setTimeout(r, 200));
    await publishTaskEvents(pub, 0, lifecycle(missed));
    await keeperFrames;
    const resumed = sseResponse(ctx, new Request('http://localhost/api/v1/stream', { headers: { 'last-event-id': String(lastId) } }));
    const replay = await readFrames(resumed, (f) => f.some((x) => x.includes(missed)), 3_000);
    expect(replay.some((f) => f.includes(missed))).toBe(true);
  });
});
