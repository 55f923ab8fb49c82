// Building blocks of the route fuzz run (tests/integration/fuzz-routes.test.ts): a seeded PRNG,
// the route handlers found on disk, malformed inputs, and a digest of a Redis database.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type Redis from 'ioredis';

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => {
    const item = items[int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  };
  return { next, int, pick, chance: (p: number) => next() < p };
}
export type Prng = ReturnType<typeof prng>;

export type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;
export interface FoundRoute {
  /** e.g. /api/v1/queues/[name]/messages */
  template: string;
  params: string[];
  methods: Record<string, Handler>;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Every route.ts under the given app directories, with the HTTP methods it exports. */
export async function findRoutes(appDir: string, roots: string[]): Promise<FoundRoute[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'route.ts') files.push(full);
    }
  };
  for (const root of roots) walk(path.join(appDir, root));
  const routes: FoundRoute[] = [];
  for (const file of files.sort()) {
    const template = `/${path.relative(appDir, path.dirname(file)).split(path.sep).join('/')}`;
    const mod = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
    const methods: Record<string, Handler> = {};
    for (const m of METHODS) if (typeof mod[m] === 'function') methods[m] = mod[m] as Handler;
    routes.push({ template, params: [...template.matchAll(/\[([^\]]+)\]/g)].map((x) => x[1] ?? ''), methods });
  }
  return routes;
}

const SEP = '\x06\x16';

/** Hostile strings: glob characters, kombu's priority separator, NUL, traversal, overlong, odd encodings. */
export const EVIL = [
  '', ' ', '*', '?', '[a-z]', '[', '\\', '*\x00*', 'celery*', `celery${SEP}3`, `${SEP}`, `q${SEP}9${SEP}`, 'a\x00b', '\x00',
  '../../etc/passwd', '..%2F..%2Fetc%2Fpasswd', '/', '//', '%00', '%', '%zz', '\r\nX-Injected: 1', '<script>alert(1)</script>',
  "' OR 1=1 --", '{"$gt":""}', '__proto__', 'constructor', 'toString', '-1', '0', '1e309', 'NaN', 'Infinity', '9007199254740993',
  'true', 'null', '[]', '{}', '\u202e\u0000\ud800', '😀'.repeat(50), 'x'.repeat(300), 'y'.repeat(5_000), 'z'.repeat(70_000),
  '_kombu.binding.celery', 'unacked', 'celery-task-meta-*', 'trellis:*', 'trellis:rl:read:ip:unknown', 'reply.celery.pidbox',
  'SUCCESS', 'FAILURE', 'success', 'active', 'stats', 'conf', 'query_task', 'shutdown', 'pool_restart', '1h', '-5m', '2026-13-45T99:99:99Z',
];

export const QUERY_KEYS = [
  'state', 'name', 'worker', 'queue', 'root', 'limit', 'offset', 'cursor', 'since', 'until', 'by', 'range', 'all', 'safe',
  'with_defaults', 'ids', 'taskinfoitems', 'type', 'status', 'q', 'search', 'refresh', 'workername', 'rule', 'sort', '__proto__', '',
];

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
  'application/xml', 'application/json-patch+json', '', '*/*', 'application/octet-stream',
];

/** A value for a path or query parameter: mostly hostile, sometimes one that exists (to reach deeper code). */
export function paramValue(r: Prng, real: readonly string[]): string {
  if (real.length > 0 && r.chance(0.25)) return r.pick(real);
  if (r.chance(0.1)) return Array.from({ length: 1 + r.int(40) }, () => String.fromCharCode(r.int(0x3000))).join('');
  return r.pick(EVIL);
}

export function randomQuery(r: Prng, real: readonly string[]): string {
  const params = new URLSearchParams();
  const n = r.int(6);
  for (let i = 0; i < n; i++) {
    const key = r.chance(0.85) ? r.pick(QUERY_KEYS) : paramValue(r, []);
    params.append(key, paramValue(r, real).replace(/[\ud800-\udfff]/g, '\ufffd')); // URLSearchParams would do the same
  }
  return params.size ? `?${params.toString()}` : '';
}

/** A malformed body: never a valid one, so no write route can accept it. */
export function malformedBody(r: Prng): { body: string; contentType: string } {
  const json = 'application/json';
  switch (r.int(9)) {
    case 0: // over the 64 KB limit
      return { body: `{"reason":"${'x'.repeat(65 * 1024 + r.int(2 * 1024 ** 2))}"}`, contentType: json };
    case 1: { // truncated JSON
      const whole = JSON.stringify({ match: { rule: 'worker-offline', queue: 'celery' }, duration: '1h', reason: 'fuzz', note: 'n' });
      return { body: whole.slice(0, 1 + r.int(whole.length - 2)), contentType: json };
    }
    case 2: // wrong types in every field
      return { body: JSON.stringify({ match: r.pick([1, 'x', [], null, true]), duration: r.pick([{}, [], -1, null]), reason: r.pick([0, [], {}, null]), note: r.pick([1, {}, []]) }), contentType: json };
    case 3: // the right shape in the wrong media type
      return { body: JSON.stringify({ match: { rule: 'x' }, duration: '1h', reason: 'fuzz' }), contentType: r.pick(CONTENT_TYPES.filter((c) => !c.includes('json'))) };
    case 4: // deep nesting within the size limit
      return { body: `${'['.repeat(20_000)}${']'.repeat(r.chance(0.5) ? 20_000 : 3)}`, contentType: json };
    case 5: // not an object
      return { body: JSON.stringify(r.pick([null, 0, 'text', [], [1, 2], true, 1e308])), contentType: json };
    case 6: // unknown fields (the schemas are strict)
      return { body: JSON.stringify({ [paramValue(r, [])]: paramValue(r, []), __proto__x: { polluted: true }, extra: 1 }), contentType: json };
    case 7: // binary junk
      return { body: Array.from({ length: 1 + r.int(2000) }, () => String.fromCharCode(r.int(256))).join(''), contentType: r.pick(CONTENT_TYPES) };
    default: // hostile strings where strings belong, plus a stray field
      return { body: JSON.stringify({ match: { queue: paramValue(r, []), worker: paramValue(r, []) }, duration: paramValue(r, []), reason: paramValue(r, []), stray: true }), contentType: json };
  }
}

export interface KeyState {
  type: string;
  digest: string;
  pttl: number;
}

/** Every key of a database (SCAN, pipelined TYPE/DUMP/PTTL in batches) → its type and a hash of its serialized value. */
export async function digestDatabase(redis: Redis, skip: (key: string) => boolean): Promise<Map<string, KeyState>> {
  const out = new Map<string, KeyState>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scanBuffer(cursor, 'COUNT', 500);
    cursor = next.toString();
    const wanted = keys.filter((k) => !skip(k.toString('latin1')));
    const pipe = redis.pipeline();
    for (const k of wanted) pipe.type(k).dumpBuffer(k).pttl(k);
    const replies = (await pipe.exec()) ?? [];
    wanted.forEach((k, i) => {
      const [type, dump, pttl] = [replies[i * 3]?.[1], replies[i * 3 + 1]?.[1], replies[i * 3 + 2]?.[1]];
      const digest = dump instanceof Buffer ? createHash('sha256').update(dump).digest('hex') : 'gone';
      out.set(k.toString('latin1'), { type: String(type), digest, pttl: Number(pttl) });
    });
  } while (cursor !== '0');
  return out;
}

/** What changed between two digests, leaving out keys that merely reached their TTL during the window. */
export function digestChanges(before: Map<string, KeyState>, after: Map<string, KeyState>, windowMs: number): string[] {
  const changes: string[] = [];
  for (const [key, was] of before) {
    const now = after.get(key);
    const expired = was.pttl > 0 && was.pttl <= windowMs + 1000;
    if (!now) {
      if (!expired) changes.push(`deleted ${JSON.stringify(key)}`);
    } else if (now.type !== was.type || now.digest !== was.digest) changes.push(`changed ${JSON.stringify(key)} (${was.type})`);
    else if ((was.pttl < 0) !== (now.pttl < 0)) changes.push(`TTL changed on ${JSON.stringify(key)}`);
  }
  for (const key of after.keys()) if (!before.has(key)) changes.push(`created ${JSON.stringify(key)}`);
  return changes;
}
