import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleAllows, type Permission, type Role } from '@/lib/server/auth/roles';
import { startRedis } from '../support/redis-server';

// Every API route (found on the file system, so a new one cannot be missed) × every kind of caller:
// anonymous, a bad token, an expired and a revoked token, and a valid token and a signed-in session
// of each role. Without valid credentials: 401; with a role below the route's permission: 403; else
// neither. The permissions of the routes that change things are pinned here as well.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
type Handler = ((r: Request, c?: { params: Promise<Record<string, string>> }) => Promise<Response>) & { spec?: { permission: Permission | 'public' } };

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? routeFiles(full) : entry === 'route.ts' ? [full] : [];
  });
}

const PARAMS: Record<string, string> = { id: '0123456789abcdef0123456789abcdef', name: 'celery', hostname: 'w1@nowhere', what: 'ping' };
const PINNED: Record<string, Permission | 'public'> = {
  'POST /api/v1/alerts/{id}/acknowledge': 'alerts:act',
  'POST /api/v1/alerts/silences': 'alerts:act',
  'DELETE /api/v1/alerts/silences/{id}': 'alerts:act',
  'POST /api/v1/alerts/channels/{id}/test': 'alerts:act',
  'POST /api/v1/queues/{name}/purge': 'queues:act',
  'POST /api/v1/queues/{name}/move': 'queues:act',
  'POST /api/v1/queues/{name}/archives/{archiveId}/restore': 'queues:act',
  'DELETE /api/v1/queues/{name}/archives/{archiveId}': 'queues:delete',
  'DELETE /api/v1/queues/{name}/messages/{taskId}': 'queues:delete',
  'POST /api/v1/workers/{hostname}/control/{command}': 'workers:act',
  'POST /api/v1/tasks/retry': 'tasks:act',
  'GET /api/v1/tokens': 'admin',
  'POST /api/v1/tokens': 'admin',
  'POST /api/v1/tasks/revoke': 'tasks:act',
  'DELETE /api/v1/tokens/{id}': 'admin',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'public',
  'GET /api/v1/auth/me': 'public',
  'GET /healthcheck': 'public',
  'GET /api/v1/auth/oidc/start': 'public',
  'GET /api/v1/auth/oidc/callback': 'public',
};

interface Route {
  key: string;
  url: string;
  params: Record<string, string>;
  method: string;
  handler: Handler;
}

async function routes(): Promise<Route[]> {
  const out: Route[] = [];
  for (const file of routeFiles('app').filter((f) => f.startsWith(path.join('app', 'api')) || f.startsWith(path.join('app', 'metrics')) || f.startsWith(path.join('app', 'healthcheck')))) {
    const pattern = '/' + path.relative('app', path.dirname(file)).replace(/\\/g, '/').replace(/\[([^\]]+)\]/g, '{$1}');
    const names = [...pattern.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
    const params = Object.fromEntries(names.map((n) => [n, PARAMS[n] ?? 'x']));
    const url = pattern.replace(/\{([^}]+)\}/g, (_, n: string) => encodeURIComponent(PARAMS[n] ?? 'x'));
    const mod = (await import(/* @vite-ignore */ path.resolve(file))) as Record<string, Handler | undefined>;
    for (const method of ['GET', 'POST', 'DELETE', 'PUT', 'PATCH']) {
      const handler = mod[method];
      if (handler) out.push({ key: `${method} ${pattern}`, url, params, method, handler });
    }
  }
  return out;
}

interface Caller {
  name: string;
  headers: Record<string, string>;
  role: Role | null;
}
let callers: Caller[] = [];

beforeAll(async () => {
  server = await startRedis();
  Object.assign(process.env, { CELERY_BROKER_URL: server.url(0), TRELLIS_AUTH: 'password', TRELLIS_LOG_LEVEL: 'silent', TRELLIS_INSPECT_TIMEOUT: '0.2' });
  const { getContext } = await import('@/lib/server/context');
  const { createToken, revokeToken } = await import('@/lib/server/auth/tokens');
  const { setStoreUser } = await import('@/lib/server/auth/users');
  const { createSession } = await import('@/lib/server/auth/sessions');
  const { sealData } = await import('iron-session');
  const ctx = getContext();
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  callers = [
    { name: 'anonymous', headers: {}, role: null },
    { name: 'malformed token', headers: bearer('not-a-token'), role: null },
    { name: 'unknown token', headers: bearer(`trellis_${'0'.repeat(32)}_${'A'.repeat(43)}`), role: null },
    { name: 'forged session cookie', headers: { cookie: `trellis_session=${await sealData({ sid: crypto.randomUUID() }, { password: 'x'.repeat(32) })}` }, role: null },
  ];
  const expired = await createToken(ctx, { name: 'expired', role: 'admin', expiresInSeconds: 1 }, 'test');
  const revoked = await createToken(ctx, { name: 'revoked', role: 'admin' }, 'test');
  await revokeToken(ctx, revoked.record.id);
  callers.push({ name: 'revoked token', headers: bearer(revoked.token), role: null });
  for (const role of ['viewer', 'operator', 'admin'] as const) {
    callers.push({ name: `${role} token`, headers: bearer((await createToken(ctx, { name: role, role }, 'test')).token), role });
    await setStoreUser(ctx, `${role}-user`, role, 'a long enough password');
    const { cookie, session } = await createSession(ctx, { user: `${role}-user`, name: `${role}-user`, role, via: 'password' });
    callers.push({ name: `${role} session`, headers: { cookie: `trellis_session=${cookie}; trellis_csrf=${session.csrf}`, 'x-csrf-token': session.csrf }, role });
  }
  await new Promise((r) => setTimeout(r, 1_100));
  callers.push({ name: 'expired token', headers: bearer(expired.token), role: null });
}, 30_000);

afterAll(async () => {
  const { getContext } = await import('@/lib/server/context');
  getContext().store.disconnect();
  await server?.stop();
});

describe('role × route matrix', () => {
  it('every route declares a permission; the ones that change things declare the pinned one', async () => {
    const all = await routes();
    expect(all.length).toBeGreaterThan(25);
    for (const r of all) expect([r.key, typeof r.handler.spec?.permission]).toEqual([r.key, 'string']);
    for (const [key, permission] of Object.entries(PINNED)) expect([key, all.find((r) => r.key === key)?.handler.spec?.permission]).toEqual([key, permission]);
    // Nothing but sign-in (password and single sign-on), sign-out and who-am-I is public.
    expect(all.filter((r) => r.handler.spec?.permission === 'public').map((r) => r.key).sort()).toEqual(Object.entries(PINNED).filter(([, p]) => p === 'public').map(([k]) => k).sort());
  });

  it('answers 401 without valid credentials, 403 below the permission, and neither otherwise', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const r of await routes()) {
      const permission = r.handler.spec?.permission;
      if (!permission || permission === 'public') continue;
      for (const c of callers) {
        const init: RequestInit = { method: r.method, headers: { ...c.headers, ...(r.method === 'GET' ? {} : { 'content-type': 'application/json' }) } };
        if (r.method !== 'GET') init.body = '{}';
        const res = await r.handler(new Request(`http://localhost${r.url}`, init), { params: Promise.resolve(r.params) });
        checked += 1;
        const expected = c.role === null ? 401 : roleAllows(c.role, permission) ? 'allowed' : 403;
        const got = res.status === 401 || res.status === 403 ? res.status : 'allowed';
        if (got !== expected) problems.push(`${r.key} as ${c.name}: ${res.status}, expected ${expected}`);
        if (res.status < 400) {
          await res.body?.cancel(); // the live stream stays open otherwise
          continue;
        }
        const body = (await res.json().catch(() => null)) as { error?: { code?: string } } | null;
        if (!body?.error?.code) problems.push(`${r.key} as ${c.name}: ${res.status} without the error contract`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(300);
  }, 120_000);

  it('a state-changing request made with a session cookie but without its CSRF token is refused', async () => {
    const { POST } = await import('@/app/api/v1/alerts/silences/route');
    const admin = callers.find((c) => c.name === 'admin session');
    const cookie = admin?.headers.cookie ?? '';
    const body = JSON.stringify({ match: { rule: 'x' }, duration: '1h', reason: 'csrf test' });
    const crossSite = await POST(new Request('http://localhost/api/v1/alerts/silences', { method: 'POST', headers: { cookie, 'content-type': 'application/json', origin: 'https://evil.example', host: 'localhost' }, body }));
    expect(crossSite.status).toBe(403);
    const noToken = await POST(new Request('http://localhost/api/v1/alerts/silences', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body }));
    expect(noToken.status).toBe(403);
    const ok = await POST(new Request('http://localhost/api/v1/alerts/silences', { method: 'POST', headers: { ...admin?.headers, 'content-type': 'application/json' }, body }));
    expect(ok.status).toBe(201);
  });

  it('signs in with a password, refuses a wrong one, and signing out ends the session everywhere', async () => {
    const login = (await import('@/app/api/v1/auth/login/route')).POST;
    const logout = (await import('@/app/api/v1/auth/logout/route')).POST;
    const health = (await import('@/app/api/v1/health/route')).GET;
    const post = (h: typeof login, body: unknown, headers: Record<string, string> = {}) =>
      h(new Request('http://localhost/x', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }));
    expect((await post(login, { name: 'operator-user', password: 'wrong password!!' })).status).toBe(401);
    expect((await post(login, { name: 'nobody', password: 'a long enough password' })).status).toBe(401);
    const ok = await post(login, { name: 'operator-user', password: 'a long enough password' });
    expect(ok.status).toBe(200);
    const cookies = ok.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith('trellis_session='))).toMatch(/HttpOnly; .*|; HttpOnly/);
    expect(cookies.find((c) => c.startsWith('trellis_session='))).toContain('SameSite=Lax');
    const jar = cookies.map((c) => c.split(';')[0]).join('; ');
    const get = () => health(new Request('http://localhost/api/v1/health', { headers: { cookie: jar } }));
    expect((await get()).status).not.toBe(401);
    const csrf = /trellis_csrf=([^;]+)/.exec(jar)?.[1] ?? '';
    expect((await post(logout, {}, { cookie: jar, 'x-csrf-token': csrf })).status).toBe(200);
    expect((await get()).status).toBe(401);
  });
});
