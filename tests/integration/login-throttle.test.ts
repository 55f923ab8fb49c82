import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '@/lib/server/auth/tokens';
import { startRedis, type RedisServer } from '../support/redis-server';
import { testContext } from '../support/trellis';

// Guessing credentials is throttled like guessing passwords: every refused credential (401: a
// made-up token, a forged session cookie, none at all) spends the address's login bucket, and past
// it the address gets 429 with Retry-After, whatever it presents next. A valid caller refused for
// its role (403) spends nothing of it, and a valid token keeps its own budget.

let server: RedisServer;
let tokens: typeof import('@/app/api/v1/tokens/route');
const token: Record<string, string> = {};

type Handler = (r: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>;
const call = (handler: Handler, client: string, headers: Record<string, string> = {}) =>
  handler(new Request('http://localhost/api/v1/tokens', { headers: { host: 'localhost:3000', 'x-forwarded-for': client, ...headers } }), { params: Promise.resolve({}) });
const bad = `trellis_${'0'.repeat(32)}_${'A'.repeat(43)}`;

beforeAll(async () => {
  server = await startRedis();
  Object.assign(process.env, { CELERY_BROKER_URL: server.url(0), TRELLIS_LOG_LEVEL: 'silent', TRELLIS_AUTH: 'password', TRELLIS_ADMIN_PASSWORD: 'a long enough password', TRELLIS_RATE_LIMIT: '360' });
  const ctx = testContext({ CELERY_BROKER_URL: server.url(0) });
  for (const role of ['viewer', 'admin'] as const) token[role] = (await createToken(ctx, { name: role, role }, 'test')).token;
  ctx.close();
  tokens = await import('@/app/api/v1/tokens/route');
});

afterAll(() => server.stop());

async function statuses(n: number, client: string, headers: Record<string, string>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await call(tokens.GET, client, headers)).status);
  return out;
}

describe('refused credentials spend the login bucket', () => {
  it('made-up tokens: 401 until the address has spent its login budget, then 429 with Retry-After', async () => {
    const got = await statuses(30, '10.1.0.1', { authorization: `Bearer ${bad}` });
    const refused = got.filter((s) => s === 401).length;
    // TRELLIS_RATE_LIMIT=360 → logins 6 a minute: one every 10 s, plus one from the burst bucket.
    expect(refused).toBe(2);
    expect(got.slice(refused).every((s) => s === 429)).toBe(true);
    const limited = await call(tokens.GET, '10.1.0.1', { authorization: `Bearer ${bad}` });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
    // A valid admin token from the same address has its own budget.
    expect((await call(tokens.GET, '10.1.0.1', { authorization: `Bearer ${token.admin}` })).status).toBe(200);
  });

  it('a forged session cookie and no credentials at all spend it too', async () => {
    const cookie = await statuses(15, '10.1.0.2', { cookie: 'trellis_session=Fe26.2**forged**' });
    expect(cookie.filter((s) => s === 401).length).toBeLessThan(15);
    expect(cookie.at(-1)).toBe(429);
    const none = await statuses(15, '10.1.0.3', {});
    expect(none.at(-1)).toBe(429);
  });

  it('a viewer refused for its role (403) spends none of it: the address can still be told 401', async () => {
    expect(await statuses(20, '10.1.0.4', { authorization: `Bearer ${token.viewer}` })).toEqual(Array(20).fill(403));
    expect((await call(tokens.GET, '10.1.0.4', { authorization: `Bearer ${bad}` })).status).toBe(401);
  });
});
