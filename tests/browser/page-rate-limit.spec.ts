import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '@/lib/server/auth/tokens';
import { startRedis, type RedisServer } from '../support/redis-server';
import { testContext } from '../support/trellis';
import { startTrellis } from './stack';

// Pages spend the caller's read budget as the API does (TRELLIS_RATE_LIMIT): once per page render,
// and past it the page says so instead of rendering (its data reads are not run).

let redis: RedisServer;
let trellis: Awaited<ReturnType<typeof startTrellis>>;
let viewer: string;
let other: string;

beforeAll(async () => {
  redis = await startRedis();
  const ctx = testContext({ CELERY_BROKER_URL: redis.url(0) });
  viewer = (await createToken(ctx, { name: 'v', role: 'viewer' }, 'test')).token;
  other = (await createToken(ctx, { name: 'o', role: 'viewer' }, 'test')).token;
  ctx.close();
  // 6 reads a minute: one every 10 s plus one from the burst bucket.
  trellis = await startTrellis({ env: { CELERY_BROKER_URL: redis.url(0), TRELLIS_AUTH: 'password', TRELLIS_RATE_LIMIT: '6', TRELLIS_COLLECTOR: 'off' }, readyPath: '/login' });
}, 90_000);

afterAll(async () => {
  trellis?.stop();
  await redis?.stop();
});

const page = async (path: string, token: string) => {
  const res = await fetch(`${trellis.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, limited: (await res.text()).includes('Too many requests from you') };
};

describe('page rate limit', () => {
  it('renders two pages from a fresh budget (the layout and the page share one token), then says to retry; another caller is unaffected', async () => {
    expect(await page('/tasks', viewer)).toEqual({ status: 200, limited: false });
    expect(await page('/settings', viewer)).toEqual({ status: 200, limited: false }); // layout + page guard: one token
    expect(await page('/workers', viewer)).toEqual({ status: 200, limited: true });
    expect(await page('/workers', other)).toEqual({ status: 200, limited: false });
  });
});
