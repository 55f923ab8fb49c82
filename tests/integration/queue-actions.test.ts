import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TrellisContext } from '@/lib/server/context';
import { runDriver, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { waitFor } from '../support/trellis';

// Purge with undo, move, delete — through the routes, as each role, on a real redis-server with
// real Celery 5.2 workers: what comes back is compared byte for byte (raw LRANGE of every band),
// the workers then run it, a moved message a worker loses comes back to its new queue, dry runs
// change nothing, and archives expire.

type Handler = (r: Request, c?: { params: Promise<Record<string, string>> }) => Promise<Response>;
type RedisServer = Awaited<ReturnType<typeof startRedis>>;

let server: RedisServer;
let broker: Redis;
let backend: Redis;
let ctx: TrellisContext;
const tokens: Record<'viewer' | 'operator' | 'admin', string> = { viewer: '', operator: '', admin: '' };
const workers: Worker[] = [];
let routes: {
  purge: Handler;
  move: Handler;
  archives: Handler;
  restore: Handler;
  deleteArchive: Handler;
  deleteMessage: Handler;
};

const SEP = '\x06\x16';
const bandKeys = (q: string) => [q, `${q}${SEP}3`, `${q}${SEP}6`, `${q}${SEP}9`];
const Ids = z.object({ ids: z.array(z.string()) });

async function call<T = Record<string, unknown>>(
  handler: Handler,
  as: keyof typeof tokens,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  params: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { authorization: `Bearer ${tokens[as]}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await handler(new Request(`http://localhost${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }), { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as T };
}

/** Every band's raw messages, left to right, as bytes (hex, so comparisons print readably). */
async function snapshot(queue: string): Promise<string[][]> {
  return Promise.all(bandKeys(queue).map(async (k) => (await broker.lrangeBuffer(k, 0, -1)).map((b) => b.toString('hex'))));
}
const depth = async (queue: string) => (await snapshot(queue)).reduce((s, b) => s + b.length, 0);

async function publish(args: string[]): Promise<string[]> {
  return Ids.parse(await runDriver(args, { brokerUrl: server.url(0), backendUrl: server.url(1) })).ids;
}

async function waitSucceeded(ids: readonly string[], what: string): Promise<void> {
  await waitFor(async () => {
    const raws = await backend.mget(...ids.map((id) => `celery-task-meta-${id}`));
    return raws.every((r) => r !== null && (JSON.parse(r) as { status: string }).status === 'SUCCESS');
  }, what, 60_000);
}

/** A domain verb's first argument for an operator, with a context whose settings differ (same connections). */
async function operatorWith(env: Record<string, string>) {
  const { createContext } = await import('@/lib/server/context');
  const { loadConfig } = await import('@/lib/server/config');
  const { FULL_VIEW } = await import('@/lib/server/redaction');
  const other = createContext(loadConfig({ ...process.env, ...env }), { store: ctx.store, broker: ctx.broker, backend: ctx.backend });
  return { ctx: other, principal: { id: 'user:ops', kind: 'user' as const, name: 'ops', role: 'operator' as const }, requestId: null, view: FULL_VIEW };
}

beforeAll(async () => {
  server = await startRedis();
  broker = new Redis(server.url(0));
  backend = new Redis(server.url(1));
  Object.assign(process.env, { CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_AUTH: 'password', TRELLIS_LOG_LEVEL: 'silent' });
  const { getContext } = await import('@/lib/server/context');
  const { createToken } = await import('@/lib/server/auth/tokens');
  ctx = getContext();
  for (const role of ['viewer', 'operator', 'admin'] as const) tokens[role] = (await createToken(ctx, { name: role, role }, 'test')).token;
  routes = {
    purge: (await import('@/app/api/v1/queues/[name]/purge/route')).POST,
    move: (await import('@/app/api/v1/queues/[name]/move/route')).POST,
    archives: (await import('@/app/api/v1/queues/[name]/archives/route')).GET,
    restore: (await import('@/app/api/v1/queues/[name]/archives/[archiveId]/restore/route')).POST,
    deleteArchive: (await import('@/app/api/v1/queues/[name]/archives/[archiveId]/route')).DELETE,
    deleteMessage: (await import('@/app/api/v1/queues/[name]/messages/[taskId]/route')).DELETE,
  };
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  ctx?.store.disconnect();
  broker?.disconnect();
  backend?.disconnect();
  await server?.stop();
});

const ArchivePage = z.object({ items: z.array(z.object({ id: z.string(), total: z.number(), archived: z.array(z.object({ band: z.number(), count: z.number() })) })) });

describe('purge with undo', () => {
  it('purge then restore gives back every message of every band byte for byte in order, and a worker then runs them all', async () => {
    const ids = await publish(['priorities', 'pq', '40']);
    const before = await snapshot('pq');
    expect(before.map((b) => b.length)).toEqual([12, 12, 12, 4]);

    const purged = await call(routes.purge, 'operator', 'POST', '/api/v1/queues/pq/purge', { name: 'pq' }, { dryRun: false });
    expect(purged.status).toBe(200);
    expect(purged.body).toMatchObject({ dryRun: false, purged: 40, notedTasks: 40, bands: [{ band: 0, count: 12 }, { band: 3, count: 12 }, { band: 6, count: 12 }, { band: 9, count: 4 }] });
    expect(await depth('pq')).toBe(0);

    const listed = ArchivePage.parse((await call(routes.archives, 'viewer', 'GET', '/api/v1/queues/pq/archives', { name: 'pq' })).body);
    expect(listed.items).toHaveLength(1);
    const archiveId = String(purged.body.archiveId);
    expect(listed.items[0]).toMatchObject({ id: archiveId, total: 40 });

    const restored = await call(routes.restore, 'operator', 'POST', `/api/v1/queues/pq/archives/${archiveId}/restore`, { name: 'pq', archiveId }, { dryRun: false });
    expect(restored.body).toMatchObject({ dryRun: false, restored: 40, kept: 0, left: 0, byteForByte: true, to: 'pq' });
    expect(await snapshot('pq')).toEqual(before);
    expect(ArchivePage.parse((await call(routes.archives, 'viewer', 'GET', '/api/v1/queues/pq/archives', { name: 'pq' })).body).items).toEqual([]);

    const { readTaskActions } = await import('@/lib/server/actions/task-notes');
    expect((await readTaskActions(ctx, ids[0] ?? '')).map((n) => n.action)).toEqual(['purged', 'restored']);

    workers.push(await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'wpq', queues: ['pq'], concurrency: 2 }));
    await waitSucceeded(ids, 'the restored tasks to succeed');
  }, 120_000);

  it('restored into a queue that got new messages, the archive queues behind them in its own order', async () => {
    await publish(['priorities', 'nq', '10']);
    const before = await snapshot('nq');
    const purged = await call(routes.purge, 'operator', 'POST', '/api/v1/queues/nq/purge', { name: 'nq' }, { dryRun: false });
    const archiveId = String(purged.body.archiveId);
    await publish(['queue-only', 'nq', '3']);
    const arrived = await snapshot('nq');
    const restored = await call(routes.restore, 'operator', 'POST', `/api/v1/queues/nq/archives/${archiveId}/restore`, { name: 'nq', archiveId }, { dryRun: false });
    expect(restored.body).toMatchObject({ restored: 10, left: 0 });
    // Band 0 had new messages: the restored ones sit to their left (run after them), in their order.
    const after = await snapshot('nq');
    expect(after[0]).toEqual([...(before[0] ?? []), ...(arrived[0] ?? [])]);
    expect(after.slice(1)).toEqual(before.slice(1));
  });

  it('a restore interrupted after a step leaves the rest in the archive; restoring again continues', async () => {
    await publish(['queue-only', 'iq', '10']);
    const before = await snapshot('iq');
    const purged = await call(routes.purge, 'operator', 'POST', '/api/v1/queues/iq/purge', { name: 'iq' }, { dryRun: false });
    const archiveId = String(purged.body.archiveId);
    await publish(['queue-only', 'iq', '1']);
    const arrived = await snapshot('iq');
    // One step of 3 (as a restore that crashed after its first step would have done).
    const { putBack } = await import('@/lib/server/queue-actions/put-script');
    const { archiveKeys } = await import('@/lib/server/queue-actions/archive');
    const step = await putBack(broker, archiveKeys(ctx, 'iq', archiveId, [0, 3, 6, 9]), bandKeys('iq'), 3);
    expect(step).toEqual({ moved: [3, 0, 0, 0], left: 7 });
    expect(ArchivePage.parse((await call(routes.archives, 'viewer', 'GET', '/api/v1/queues/iq/archives', { name: 'iq' })).body).items[0]).toMatchObject({ id: archiveId, total: 7 });
    const rest = await call(routes.restore, 'operator', 'POST', `/api/v1/queues/iq/archives/${archiveId}/restore`, { name: 'iq', archiveId }, { dryRun: false });
    expect(rest.body).toMatchObject({ restored: 7, left: 0 });
    expect((await snapshot('iq'))[0]).toEqual([...(before[0] ?? []), ...(arrived[0] ?? [])]);
  });

  it('restored into another queue, each envelope is rerouted there and nothing else changes', async () => {
    await publish(['priorities', 'rq', '8']);
    const before = await snapshot('rq');
    const purged = await call(routes.purge, 'operator', 'POST', '/api/v1/queues/rq/purge', { name: 'rq' }, { dryRun: false });
    const archiveId = String(purged.body.archiveId);
    const restored = await call(routes.restore, 'operator', 'POST', `/api/v1/queues/rq/archives/${archiveId}/restore`, { name: 'rq', archiveId }, { dryRun: false, to: 'rq2' });
    expect(restored.body).toMatchObject({ restored: 8, byteForByte: false, to: 'rq2' });
    const after = await snapshot('rq2');
    // Byte for byte apart from delivery_info, which now names rq2 through the anonymous exchange.
    const DI = /"delivery_info": \{[^}]*\}/;
    const text = (b: string[][]) => b.map((band) => band.map((h) => Buffer.from(h, 'hex').toString()));
    expect(text(after).map((b) => b.map((m) => m.replace(DI, '')))).toEqual(text(before).map((b) => b.map((m) => m.replace(DI, ''))));
    for (const m of text(after).flat()) expect(m.match(DI)?.[0]).toBe('"delivery_info": {"exchange": "", "routing_key": "rq2"}');
  });
});

describe('move', () => {
  it('moves the next N to run to another queue, where the worker consuming it runs them', async () => {
    const ids = await publish(['queue-only', 'ma', '20']);
    const moved = await call(routes.move, 'operator', 'POST', '/api/v1/queues/ma/move', { name: 'ma' }, { dryRun: false, to: 'mb', count: 8 });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ moved: 8, kept: 0, archiveId: null, bands: [{ band: 0, count: 8 }, { band: 3, count: 0 }, { band: 6, count: 0 }, { band: 9, count: 0 }] });
    expect([await depth('ma'), await depth('mb')]).toEqual([12, 8]);
    // The first 8 published were the next to run; they keep their order in mb.
    const { messageTaskId } = await import('@/lib/server/celery/queue-message');
    const inMb = (await broker.lrangeBuffer('mb', 0, -1)).reverse().map((m) => messageTaskId(m));
    expect(inMb).toEqual(ids.slice(0, 8));

    const wmb = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'wmb', queues: ['mb'], concurrency: 2 });
    workers.push(wmb);
    await waitSucceeded(ids.slice(0, 8), 'the moved tasks to run on mb');
    const metas = await backend.mget(...ids.slice(0, 8).map((id) => `celery-task-meta-${id}`));
    for (const m of metas) expect(JSON.parse(m ?? '{}')).toMatchObject({ status: 'SUCCESS', worker: wmb.hostname, queue: 'mb' });
    expect(await depth('ma')).toBe(12);
  }, 120_000);

  it('a moved message that a worker takes and loses comes back to its new queue (visibility timeout)', async () => {
    const [id] = await publish(['held', 'la', '1']);
    const moved = await call(routes.move, 'operator', 'POST', '/api/v1/queues/la/move', { name: 'la' }, { dryRun: false, to: 'lb' });
    expect(moved.body).toMatchObject({ moved: 1 });
    const taker = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'wlb', queues: ['lb'], concurrency: 1 });
    // An ETA task: the worker holds it, un-acked, recorded with the routing its envelope names.
    const entry = await waitFor(async () => Object.values(await broker.hgetall('unacked')).find((v) => v.includes(id ?? '-')), 'the held task in unacked');
    expect(JSON.parse(entry)).toEqual([expect.anything(), '', 'lb']);
    await taker.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1_500));
    // A worker with a 1 s visibility timeout restores it at start-up: into lb, not la.
    const sweeper = await startWorker({
      brokerUrl: server.url(0), backendUrl: server.url(1), name: 'wsweep', queues: ['sweep-only'], concurrency: 1,
      env: { CELERY_EXTRA_CONF: JSON.stringify({ broker_transport_options: { visibility_timeout: 1 } }) },
    });
    workers.push(sweeper);
    const back = await waitFor(async () => (await broker.lrange('lb', 0, -1)).find((m) => m.includes(id ?? '-')), 'the lost message back in lb', 30_000);
    expect(back).toContain('"redelivered": true');
    expect(await broker.llen('la')).toBe(0);
    // Its 1 s visibility timeout would restore what other tests' workers hold: stop it now.
    await sweeper.stop();
    workers.splice(workers.indexOf(sweeper), 1);
  }, 120_000);
});

describe('delete, dry runs, roles, expiry', () => {
  it('dry runs change nothing; a viewer may do nothing, an operator may not delete, an admin may', async () => {
    const ids = await publish(['priorities', 'dq', '6']);
    const before = await snapshot('dq');
    const p = { name: 'dq' };
    const dry = await call(routes.purge, 'operator', 'POST', '/api/v1/queues/dq/purge', p, { dryRun: true });
    expect(dry.body).toMatchObject({ dryRun: true, count: 6, bands: [{ band: 0, count: 3 }, { band: 3, count: 3 }, { band: 6, count: 0 }, { band: 9, count: 0 }] });
    expect((dry.body.sample as unknown[]).length).toBe(6);
    expect((await call(routes.move, 'operator', 'POST', '/api/v1/queues/dq/move', p, { dryRun: true, to: 'dq2', count: 3 })).body).toMatchObject({ dryRun: true, count: 3, to: 'dq2' });
    const target = ids[3] ?? '';
    const dryDelete = await call(routes.deleteMessage, 'admin', 'DELETE', `/api/v1/queues/dq/messages/${target}?dryRun=true`, { ...p, taskId: target });
    expect(dryDelete.body).toMatchObject({ dryRun: true, deleted: 0, message: { id: target } });
    expect(await snapshot('dq')).toEqual(before);
    // An action must say whether it is a dry run: an empty body or a bare DELETE is refused.
    expect((await call(routes.purge, 'admin', 'POST', '/api/v1/queues/dq/purge', p, {})).status).toBe(422);
    expect((await call(routes.deleteMessage, 'admin', 'DELETE', `/api/v1/queues/dq/messages/${target}`, { ...p, taskId: target })).status).toBe(422);
    expect(await snapshot('dq')).toEqual(before);

    for (const [route, body] of [[routes.purge, { dryRun: false }], [routes.move, { dryRun: false, to: 'dq2' }]] as const) {
      expect((await call(route, 'viewer', 'POST', '/api/v1/queues/dq/x', p, body)).status).toBe(403);
    }
    expect((await call(routes.deleteMessage, 'operator', 'DELETE', `/api/v1/queues/dq/messages/${target}?dryRun=false`, { ...p, taskId: target })).status).toBe(403);
    expect(await snapshot('dq')).toEqual(before);

    const deleted = await call(routes.deleteMessage, 'admin', 'DELETE', `/api/v1/queues/dq/messages/${target}?dryRun=false`, { ...p, taskId: target });
    expect(deleted.body).toMatchObject({ dryRun: false, deleted: 1, taskId: target });
    const hex = before.flat().find((h) => Buffer.from(h, 'hex').toString().includes(target));
    expect(await snapshot('dq')).toEqual(before.map((b) => b.filter((h) => h !== hex)));
    expect(await depth('dq')).toBe(5);
    expect((await call(routes.deleteMessage, 'admin', 'DELETE', `/api/v1/queues/dq/messages/${target}?dryRun=false`, { ...p, taskId: target })).status).toBe(404);

    const purged = await call(routes.purge, 'operator', 'POST', '/api/v1/queues/dq/purge', p, { dryRun: false });
    const archiveId = String(purged.body.archiveId);
    const a = { ...p, archiveId };
    const dryRestore = await call(routes.restore, 'operator', 'POST', `/api/v1/queues/dq/archives/${archiveId}/restore`, a, { dryRun: true });
    expect(dryRestore.body).toMatchObject({ dryRun: true, count: 5, byteForByte: true });
    expect((await call(routes.restore, 'viewer', 'POST', `/api/v1/queues/dq/archives/${archiveId}/restore`, a, { dryRun: false })).status).toBe(403);
    expect((await call(routes.deleteArchive, 'operator', 'DELETE', `/api/v1/queues/dq/archives/${archiveId}?dryRun=false`, a)).status).toBe(403);
    expect((await call(routes.deleteArchive, 'admin', 'DELETE', `/api/v1/queues/dq/archives/${archiveId}?dryRun=true`, a)).body).toMatchObject({ dryRun: true, deleted: 5 });
    expect(ArchivePage.parse((await call(routes.archives, 'viewer', 'GET', '/api/v1/queues/dq/archives', p)).body).items).toHaveLength(1);
    expect((await call(routes.deleteArchive, 'admin', 'DELETE', `/api/v1/queues/dq/archives/${archiveId}?dryRun=false`, a)).body).toMatchObject({ dryRun: false, deleted: 5 });
    expect(ArchivePage.parse((await call(routes.archives, 'viewer', 'GET', '/api/v1/queues/dq/archives', p)).body).items).toEqual([]);
    expect((await call(routes.restore, 'operator', 'POST', `/api/v1/queues/dq/archives/${archiveId}/restore`, a, { dryRun: false })).status).toBe(404);
    expect(await broker.exists(ctx.keys.archiveMeta(archiveId), ...[0, 3, 6, 9].map((b) => ctx.keys.archiveMessages(archiveId, b)))).toBe(0);

    const { listAudit } = await import('@/lib/server/actions/audit-log');
    const audited = (await listAudit(ctx, { target: 'dq', limit: 50 })).items.map((e) => `${e.action}:${e.outcome}`);
    expect(audited).toEqual(expect.arrayContaining(['queues.message_delete:ok', 'queues.purge:ok', 'queues.archive_delete:ok']));
    expect(audited.filter((x) => x.startsWith('queues.message_delete'))).toEqual(['queues.message_delete:ok']);
  }, 60_000);

  it('archives expire after the retention: their keys carry the TTL and the index forgets them', async () => {
    const { purgeQueue } = await import('@/lib/server/queue-actions/purge');
    const { listArchives } = await import('@/lib/server/queue-actions/archive');
    const verb = await operatorWith({ TRELLIS_ARCHIVE_RETENTION: '2s' });
    const short = verb.ctx;
    await publish(['queue-only', 'eq', '3']);
    const done = await purgeQueue({ ...verb, input: { queue: 'eq', dryRun: false } });
    if (done.dryRun) throw new Error('not a dry run');
    const id = done.archiveId ?? '';
    expect(await broker.ttl(short.keys.archiveMessages(id, 0))).toBeGreaterThan(0);
    expect(await broker.ttl(short.keys.archiveMeta(id))).toBeLessThanOrEqual(2);
    expect((await listArchives(short, 'eq')).items).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 3_100));
    expect((await listArchives(short, 'eq')).items).toEqual([]);
    expect(await broker.zcard(short.keys.queueArchives('eq'))).toBe(0);
  });

  it('read-only mode refuses purge and move (403) and leaves the queue as it was; a key that is no list is no queue', async () => {
    const { purgeQueue } = await import('@/lib/server/queue-actions/purge');
    const { moveMessages } = await import('@/lib/server/queue-actions/move');
    const verb = await operatorWith({ TRELLIS_READ_ONLY: 'true' });
    await publish(['queue-only', 'roq', '4']);
    const before = await snapshot('roq');
    await expect(purgeQueue({ ...verb, input: { queue: 'roq', dryRun: false } })).rejects.toMatchObject({ code: 'READ_ONLY', status: 403 });
    await expect(moveMessages({ ...verb, input: { queue: 'roq', to: 'roq2', dryRun: false } })).rejects.toMatchObject({ code: 'READ_ONLY' });
    expect(await snapshot('roq')).toEqual(before);

    await broker.sadd('not-a-queue', 'member');
    expect((await call(routes.purge, 'operator', 'POST', '/api/v1/queues/not-a-queue/purge', { name: 'not-a-queue' }, { dryRun: false })).status).toBe(404);
    expect(await broker.smembers('not-a-queue')).toEqual(['member']);
  });
});
