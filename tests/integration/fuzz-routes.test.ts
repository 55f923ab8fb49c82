import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_STATUS } from '@/lib/errors';
import { runDriver, startWorker } from '../support/celery';
import { digestChanges, digestDatabase, findRoutes, malformedBody, paramValue, prng, randomQuery, type FoundRoute, type Prng } from '../support/fuzz';
import { startRedis, type RedisServer } from '../support/redis-server';
import { lifecycle, publishHeartbeat, publishTaskEvents, waitFor } from '../support/trellis';

// The fuzz run: every route under app/api and /metrics, found on disk (a new route cannot be
// missed), gets 10,000 malformed requests in total — hostile path and query values (glob
// characters, kombu's \x06\x16 separator, NUL, traversal, overlong ids), huge, truncated and
// deeply nested bodies, wrong types and content types — through its real handler, against a real
// Redis holding real data: a real Celery worker's tasks (successes, failures with tracebacks, their
// results in the backend) and Celery's own messages waiting in a queue, stored by the real collector.
// No answer may be a 5xx, every error must follow the one contract without leaking internals,
// and Redis must be left as it was, apart from Trellis' rate-limit counters. (Read-only mode: a
// well-formed action would act; its validation is fuzzed all the same, refusal comes after it.)
//
// Honest comparison: the worker and the collector are stopped before the "before" digest, so during
// the window only the fuzzed handlers can write; keys that merely reach their TTL inside it are told
// apart.

// FUZZ_SEED and FUZZ_TOTAL explore further locally; CI runs the fixed seed.
const TOTAL = Number(process.env.FUZZ_TOTAL ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x7e1115);
const CODES = new Set(Object.keys(ERROR_STATUS));
const LEAK = /\n\s+at |node_modules|\.tsx?:\d+|ReplyError|ERR |WRONGTYPE|TypeError|RangeError|ZodError|stack/;

let server: RedisServer;
let redis: Redis;
let routes: FoundRoute[];
const real: string[] = [];

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url(0));
  Object.assign(process.env, {
    CELERY_BROKER_URL: server.url(0),
    CELERY_RESULT_BACKEND: server.url(1),
    TRELLIS_LOG_LEVEL: 'silent',
    TRELLIS_INSPECT_TIMEOUT: '0.1',
    TRELLIS_RATE_LIMIT: '1000000', // on (its keys are written and excluded), but not in the way of the fuzzing
    // Actions' input is fuzzed (a malformed request is refused before the read-only check), but a
    // well-formed one must not act: the cluster stays as it was.
    TRELLIS_READ_ONLY: 'true',
  });
  const { startProcessCollector, stopProcessCollector } = await import('@/lib/server/collector/runtime');
  const { getContext } = await import('@/lib/server/context');
  const ctx = getContext();
  await startProcessCollector(ctx);

  // Real data: a worker's tasks and results, Celery's messages waiting in a queue with no consumer,
  // and synthetic events for a second worker that never answers inspect.
  const urls = { brokerUrl: server.url(0), backendUrl: server.url(1) };
  const worker = await startWorker({ ...urls, name: 'fuzzw', queues: ['celery'], pool: 'solo', concurrency: 1 });
  const done = z.object({ ids: z.array(z.string()) });
  const ran = [...done.parse(await runDriver(['burst', '8', '--wait'], urls)).ids, ...done.parse(await runDriver(['failures', '3', '--wait'], urls)).ids];
  await runDriver(['queue-only', 'fuzzq', '5'], urls);
  const ids = Array.from({ length: 5 }, () => randomUUID());
  for (const id of ids) await publishTaskEvents(redis, 0, lifecycle(id, 'tasks.add'), 'w1@fuzz');
  await publishHeartbeat(redis, 0, 'w1@fuzz');
  for (const id of [...ran, ...ids]) await waitFor(async () => (await ctx.store.exists(ctx.keys.task(id))) === 1, `task ${id} stored`);
  await waitFor(async () => (await ctx.store.hexists(ctx.keys.workers, 'w1@fuzz')) === 1, 'worker stored');
  await worker.stop();
  real.push(...ran.slice(0, 3), ...ran.slice(-2), ids[0] ?? '', worker.hostname, 'w1@fuzz', 'fuzzq', 'celery', 'tasks.add', 'tasks.fail');
  real.push('SUCCESS', 'FAILURE', 'active', 'stats', 'registered', '10', '1h', 'name');
  await stopProcessCollector();

  routes = await findRoutes(path.resolve(__dirname, '../../app'), ['api', 'metrics']);
}, 120_000);

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

function buildRequest(r: Prng, route: FoundRoute, method: string): { request: Request; params: Record<string, string> } {
  const params = Object.fromEntries(route.params.map((p) => [p, paramValue(r, real)]));
  // The handler gets `params` decoded, as Next.js passes them; the URL only has to be well-formed.
  const pathText = route.template.replace(/\[([^\]]+)\]/g, (_, p: string) => encodeURIComponent((params[p] ?? '').replace(/[\ud800-\udfff]/g, '_')));
  const headers: Record<string, string> = { 'x-forwarded-for': `10.${r.int(4)}.${r.int(256)}.${r.int(256)}` };
  if (r.chance(0.05)) headers.host = r.pick(['evil.example', 'localhost.evil.example:3000', '127.0.0.1.nip.io']);
  if (r.chance(0.05)) headers['x-forwarded-proto'] = 'https';
  if (r.chance(0.05)) headers.authorization = r.pick(['Bearer ', 'Bearer x', `Bearer ${'t'.repeat(5000)}`, 'Basic Og==', 'Bearer \u00ff\u00fe']);
  if (r.chance(0.05)) headers.cookie = r.pick(['trellis_session=', 'trellis_session=garbage', `a=${'b'.repeat(4000)}`, '=;=;']);
  const init: RequestInit = { method, headers };
  if (method !== 'GET' && method !== 'HEAD' && r.chance(0.9)) {
    const { body, contentType } = malformedBody(r);
    init.body = body;
    if (contentType) headers['content-type'] = contentType;
  } else if (r.chance(0.05)) {
    headers['content-type'] = r.pick(['application/json', 'text/plain']); // a stray content type and no body
  }
  return { request: new Request(`http://localhost${pathText}${randomQuery(r, real)}`, init), params };
}

describe('fuzzing every route', () => {
  it('finds every route on disk, /metrics included', () => {
    const templates = routes.map((r) => r.template);
    expect(templates).toContain('/metrics');
    expect(templates).toContain('/api/v1/queues/[name]/messages');
    expect(templates).toContain('/api/v1/alerts/silences');
    expect(routes.every((r) => Object.keys(r.methods).length > 0)).toBe(true);
  });

  it('answers 404 for peeking a "queue" whose key is not a list (the fuzz run found a 500 here)', async () => {
    const messages = routes.find((x) => x.template === '/api/v1/queues/[name]/messages')?.methods.GET;
    const name = '_kombu.binding.celery'; // a SET the worker created
    expect(await redis.type(name)).toBe('set');
    const res = await messages?.(new Request(`http://localhost/api/v1/queues/${name}/messages`), { params: Promise.resolve({ name }) });
    expect(res?.status).toBe(404);
    expect(await res?.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringContaining('not a list') } });
  });

  it('answers 10,000 malformed requests without a 5xx, each error in the contract, and leaves Redis as it was', async () => {
    const skip = (key: string) => key.startsWith('trellis:rl:');
    const before = [await digestDatabase(redis, skip), await digestDatabase(redis.duplicate({ db: 1 }), skip)];
    const started = Date.now();
    const r = prng(SEED);
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const targets = routes.flatMap((route) => Object.keys(route.methods).map((method) => ({ route, method })));

    for (let i = 0; i < TOTAL; i++) {
      const { route, method } = r.pick(targets);
      const handler = route.methods[method];
      if (!handler) continue;
      const { request, params } = buildRequest(r, route, method);
      const what = `#${i} ${method} ${request.url.slice(0, 200)}`;
      let response: Response;
      try {
        response = await handler(request, { params: Promise.resolve(params) });
      } catch (err) {
        failures.push(`${what}: threw ${String(err)}`);
        continue;
      }
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.headers.get('content-type')?.includes('text/event-stream')) {
        await response.body?.cancel();
      } else if (response.status >= 400) {
        const text = await response.text();
        let body: { error?: { code?: unknown; message?: unknown } } = {};
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          failures.push(`${what}: ${response.status} with a non-JSON body ${text.slice(0, 100)}`);
        }
        const { code, message } = body.error ?? {};
        if (typeof code !== 'string' || !CODES.has(code) || typeof message !== 'string' || Object.keys(body).length !== 1) {
          failures.push(`${what}: ${response.status} breaks the error contract: ${text.slice(0, 200)}`);
        } else if (LEAK.test(message)) failures.push(`${what}: leaks internals: ${message.slice(0, 200)}`);
        if (ERROR_STATUS[code as keyof typeof ERROR_STATUS] !== response.status) failures.push(`${what}: ${code} sent as ${response.status}`);
      } else {
        await response.arrayBuffer();
      }
      if (response.status >= 500) failures.push(`${what}: ${response.status}`);
      if (!response.headers.get('x-request-id') || response.headers.get('x-content-type-options') !== 'nosniff') failures.push(`${what}: protection headers missing`);
    }

    const windowMs = Date.now() - started;
    const after = [await digestDatabase(redis, skip), await digestDatabase(redis.duplicate({ db: 1 }), skip)];
    const changes = [0, 1].flatMap((db) => digestChanges(before[db] ?? new Map(), after[db] ?? new Map(), windowMs).map((c) => `db${db}: ${c}`));
    const summary = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    console.log(`fuzz: ${TOTAL} requests over ${routes.length} routes in ${(windowMs / 1000).toFixed(1)} s; statuses ${summary}; keys compared ${before[0]?.size ?? 0}+${before[1]?.size ?? 0}`);

    expect(failures.slice(0, 20)).toEqual([]);
    expect(changes).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0); // real values did reach the domain code
    expect((await redis.scan('0', 'MATCH', 'trellis:rl:*', 'COUNT', 1000))[1].length).toBeGreaterThan(0); // the limiter was on

    // The instrument itself: one write in the window would have been seen.
    const [firstKey] = before[0]?.keys() ?? [];
    await redis.set('fuzz:probe', '1');
    if (firstKey) await redis.del(firstKey);
    const probe = digestChanges(before[0] ?? new Map(), await digestDatabase(redis, skip), windowMs);
    expect(probe).toContain('created "fuzz:probe"');
    expect(probe.some((c) => c.includes(JSON.stringify(firstKey)))).toBe(true);
  }, 180_000);
});
