import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../support/redis-server';

// The web protections through the real route handlers against a real Redis: security headers and
// a request id on every API response, the Host allow-list, rate limits (429 with Retry-After, then
// recovery once the bucket refills) and one status per kind of bad body (400/413/415/422).

let server: RedisServer;
let redis: Redis;
let health: typeof import('@/app/api/v1/health/route');
let silences: typeof import('@/app/api/v1/alerts/silences/route');
let silence: typeof import('@/app/api/v1/alerts/silences/[id]/route');

// Each test is its own client (its own X-Forwarded-For), so buckets do not leak between tests.
type Handler = (r: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>;
const call = (handler: Handler, path: string, client: string, init: RequestInit & { headers?: Record<string, string> } = {}, params: Record<string, string> = {}) =>
  handler(new Request(`http://localhost${path}`, { ...init, headers: { host: 'localhost:3000', 'x-forwarded-for': client, ...init.headers } }), { params: Promise.resolve(params) });

const json = { 'content-type': 'application/json' };
const validSilence = JSON.stringify({ match: { rule: 'worker-offline' }, duration: '1h', reason: 'maintenance' });

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url(0));
  redis.on('error', () => undefined); // the last test stops Redis
  process.env.CELERY_BROKER_URL = server.url(0);
  process.env.TRELLIS_LOG_LEVEL = 'silent';
  process.env.TRELLIS_RATE_LIMIT = '6'; // reads: a bucket of 1 refilled every 10 s, plus a burst of 1 a minute
  health = await import('@/app/api/v1/health/route');
  silences = await import('@/app/api/v1/alerts/silences/route');
  silence = await import('@/app/api/v1/alerts/silences/[id]/route');
});

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

describe('web protections on API routes', () => {
  it('puts the security headers and a request id on success and error responses', async () => {
    const ok = await call(health.GET, '/api/v1/health', '10.0.0.1');
    expect(ok.status).toBe(200);
    const bad = await call(silences.POST, '/api/v1/alerts/silences', '10.0.0.1', { method: 'POST', body: '{', headers: json });
    for (const res of [ok, bad]) {
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
    const behindTls = await call(health.GET, '/api/v1/health', '10.0.0.2', { headers: { 'x-forwarded-proto': 'https', 'x-request-id': 'proxy-given-id-1234' } });
    expect(behindTls.headers.get('strict-transport-security')).toMatch(/^max-age=31536000/);
    expect(behindTls.headers.get('x-request-id')).toBe('proxy-given-id-1234');
  });

  it('refuses a Host it is not served at with 421 and the error contract (DNS rebinding)', async () => {
    const res = await call(health.GET, '/api/v1/health', '10.0.0.3', { headers: { host: 'rebound.attacker.example:3000' } });
    expect(res.status).toBe(421);
    expect(await res.json()).toEqual({ error: { code: 'HOST_NOT_ALLOWED', message: expect.any(String) } });
    expect((await call(health.GET, '/api/v1/health', '10.0.0.4', { headers: { host: '127.0.0.1:3000' } })).status).toBe(200);
  });

  it('answers 429 with Retry-After once a client has spent its bucket, and serves it again after the refill', async () => {
    const client = '10.0.1.1';
    expect((await call(health.GET, '/api/v1/health', client)).status).toBe(200); // the steady bucket
    expect((await call(health.GET, '/api/v1/health', client)).status).toBe(200); // the burst bucket
    const limited = await call(health.GET, '/api/v1/health', client);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(/retry in \d+ s/) } });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);

    // Another client, and the same client's action bucket, are untouched.
    expect((await call(health.GET, '/api/v1/health', '10.0.1.2')).status).toBe(200);
    expect((await call(silences.POST, '/api/v1/alerts/silences', client, { method: 'POST', body: validSilence, headers: json })).status).toBe(201);

    // The budget lives in the store, under the store prefix, with a TTL.
    expect(await redis.exists(`trellis:rl:read:ip:${client}`, `trellis:rl:read-burst:ip:${client}`, `trellis:rl:action:ip:${client}`)).toBe(3);
    expect(await redis.pttl(`trellis:rl:read:ip:${client}`)).toBeGreaterThan(0);

    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 200));
    expect((await call(health.GET, '/api/v1/health', client)).status).toBe(200);
  }, 30_000);

  it('gives each kind of bad body its own status: 400 malformed, 413 too large, 415 not JSON, 422 invalid', async () => {
    const post = (client: string, body: string, headers: Record<string, string> = json) =>
      call(silences.POST, '/api/v1/alerts/silences', client, { method: 'POST', body, headers });
    const cases: Array<[Response, number, string]> = [
      [await post('10.0.2.1', '{"match": {'), 400, 'BAD_REQUEST'],
      [await post('10.0.2.2', JSON.stringify({ reason: 'x'.repeat(70 * 1024) })), 413, 'PAYLOAD_TOO_LARGE'],
      [await post('10.0.2.3', validSilence, { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [await post('10.0.2.4', 'match=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [await post('10.0.2.5', JSON.stringify({ match: {}, duration: 'soon', reason: '' })), 422, 'INVALID_INPUT'],
      // A route that takes no body still refuses one that is not JSON.
      [await call(silence.DELETE, '/api/v1/alerts/silences/x', '10.0.2.6', { method: 'DELETE', body: 'id=x', headers: { 'content-type': 'text/plain' } }, { id: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ];
    for (const [res, status, code] of cases) {
      expect({ status: res.status, body: await res.json() }).toEqual({ status, body: { error: { code, message: expect.any(String) } } });
    }
  });

  it('keeps limiting from memory while the store is down, and the route answers for itself (503)', async () => {
    await server.kill();
    try {
      const client = '10.0.3.1';
      const first = await call(health.GET, '/api/v1/health', client);
      expect(first.status).toBe(503); // the health route's own "Redis down", not a rate-limit failure
      await call(health.GET, '/api/v1/health', client);
      const limited = await call(health.GET, '/api/v1/health', client);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await server.start();
    }
  }, 30_000);
});
