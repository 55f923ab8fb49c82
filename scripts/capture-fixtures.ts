// Captures real Celery 5.2 traffic for the unit tests (tests/fixtures/celery-5.2/), from a real
// redis-server and real workers (examples/celery_app). Re-runnable:
//   node --conditions=react-server --import tsx scripts/capture-fixtures.ts [--suffix S]
// With --suffix, the workload files are written as events-workload<S>.json and result-meta<S>.json
// (to keep an earlier capture next to a new one; real traffic differs from run to run).
//
//   events-workload.json          {workload, messages: [{channel, data}]}: every message seen on
//                                 PSUBSCRIBE /0.celeryev/* while the `workload` scenario ran on a
//                                 prefork worker (w1: celery,fast) and a threads worker (w2: celery)
//   result-meta.json              {taskId: raw celery-task-meta value} for the workload (final states)
//   result-meta-intermediate.json {started, retry}: raw values of a running task and of one waiting
//                                 for its retry (task_track_started, result_extended)
//   queue-messages.json           raw task messages read with LRANGE from a queue nobody consumes:
//                                 plain, ETA, priority 7 (its own band list), expiring, kwargs
//   unacked.json                  `unacked` hash entries and `unacked_index` scores of ETA tasks a
//                                 worker holds
//   pidbox-replies.json           request envelope sent and raw reply envelopes of ping, stats and
//                                 active_queues from both workers
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import Redis from 'ioredis';
import { z } from 'zod';
import { runDriver, startWorker, type Worker } from '../tests/support/celery';
import { startRedis } from '../tests/support/redis-server';

const OUT = 'tests/fixtures/celery-5.2';
const suffixAt = process.argv.indexOf('--suffix');
const SUFFIX = suffixAt > 0 ? (process.argv[suffixAt + 1] ?? '') : '';
const SEP = '\x06\x16';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function write(name: string, value: unknown): void {
  writeFileSync(`${OUT}/${name}`, `${JSON.stringify(value, null, 1)}\n`);
}

async function until<T>(probe: () => Promise<T | null>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await probe();
    if (v !== null) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One remote-control call as in the protocol doc §6.4; returns the raw reply envelopes. */
async function control(cmd: Redis, blocking: Redis, method: string, expected: number): Promise<{ request: string; replies: string[] }> {
  const replyId = randomUUID();
  const ticket = randomUUID();
  const replyQ = `${replyId}.reply.celery.pidbox`;
  const member = `${replyId}${SEP}${SEP}${replyQ}`;
  const body = { method, arguments: {}, destination: null, pattern: null, matcher: null, ticket, reply_to: { exchange: 'reply.celery.pidbox', routing_key: replyId } };
  const request = JSON.stringify({
    body: Buffer.from(JSON.stringify(body)).toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: { clock: 1, expires: Date.now() / 1000 + 2 },
    properties: { delivery_mode: 2, delivery_info: { exchange: 'celery.pidbox', routing_key: '' }, priority: 0, body_encoding: 'base64', delivery_tag: randomUUID() },
  });
  await cmd.sadd('_kombu.binding.reply.celery.pidbox', member);
  const replies: string[] = [];
  try {
    await cmd.publish('/0.celery.pidbox', request);
    const deadline = Date.now() + 3_000;
    while (replies.length < expected && Date.now() < deadline) {
      const r = await blocking.brpop(replyQ, Math.max(0.1, (deadline - Date.now()) / 1000));
      if (r) replies.push(r[1]);
    }
  } finally {
    await cmd.srem('_kombu.binding.reply.celery.pidbox', member);
    await cmd.del(replyQ);
  }
  if (replies.length < expected) throw new Error(`${method}: ${replies.length} of ${expected} replies`);
  return { request, replies };
}

const States = z.object({ states: z.record(z.string(), z.string()) }).passthrough();
const Ids = z.object({ ids: z.array(z.string()) });

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const server = await startRedis();
  const broker = server.url(0);
  const backend = server.url(1);
  const drive = (args: string[]) => runDriver(args, { brokerUrl: broker, backendUrl: backend });
  const client = new Redis(broker);
  const blocking = new Redis(broker);
  const results = new Redis(backend);
  const sniffer = new Redis(broker);
  const workers: Worker[] = [];
  try {
    // 1. Events of the workload scenario.
    const events: Array<{ channel: string; data: string }> = [];
    let sniffing = true;
    await sniffer.psubscribe('/0.celeryev/*');
    sniffer.on('pmessage', (_p: string, channel: string, data: string) => {
      if (sniffing) events.push({ channel, data });
    });
    workers.push(
      ...(await Promise.all([
        startWorker({ brokerUrl: broker, backendUrl: backend, name: 'w1', queues: ['celery', 'fast'], concurrency: 2 }),
        startWorker({ brokerUrl: broker, backendUrl: backend, name: 'w2', queues: ['celery'], pool: 'threads', concurrency: 2 }),
      ])),
    );
    const workload = States.parse(await drive(['workload', '--wait']));
    await sleep(3_000); // heartbeats, late batches

    // 2. Remote-control replies from both workers (pidbox traffic is not on the celeryev channels).
    const pidbox: Record<string, { request: string; replies: string[] }> = {};
    for (const method of ['ping', 'stats', 'active_queues']) pidbox[method] = await control(client, blocking, method, workers.length);

    await Promise.all(workers.splice(0).map((w) => w.stop())); // worker-offline
    await sleep(500);
    sniffing = false;
    await sniffer.punsubscribe();
    write(`events-workload${SUFFIX}.json`, { workload, messages: events });
    write('pidbox-replies.json', pidbox);

    const metas: Record<string, string | null> = {};
    for (const id of Object.keys(workload.states)) metas[id] = await results.get(`celery-task-meta-${id}`);
    write(`result-meta${SUFFIX}.json`, metas);

    // 3. Messages waiting in a queue nobody consumes.
    const mix = z.object({ queue: z.string(), keys: z.record(z.string(), z.string()) }).passthrough().parse(await drive(['queue-mix', 'orphan']));
    const lists: Record<string, string[]> = {};
    for (const key of new Set(Object.values(mix.keys))) lists[key] = await client.lrange(key, 0, -1);
    write('queue-messages.json', { ...mix, lists });

    // 4. ETA tasks held by a worker (`unacked`), a running task and one waiting for its retry.
    const holder = await startWorker({ brokerUrl: broker, backendUrl: backend, name: 'w3', queues: ['held', 'celery'], concurrency: 2 });
    workers.push(holder);
    const held = Ids.parse(await drive(['held', 'held', '2']));
    await until(async () => ((await client.hlen('unacked')) >= held.ids.length ? true : null), 'unacked entries');
    const unacked = { hash: await client.hgetall('unacked'), index: await client.zrange('unacked_index', 0, -1, 'WITHSCORES'), held: held.ids };

    const meta = async (id: string, status: string) =>
      until(async () => {
        const raw = await results.get(`celery-task-meta-${id}`);
        return raw && (JSON.parse(raw) as { status?: string }).status === status ? raw : null;
      }, `${status} for ${id}`);
    const [sleeper] = Ids.parse(await drive(['sleepers', '1', '30'])).ids;
    if (!sleeper) throw new Error('no sleeper');
    const started = await meta(sleeper, 'STARTED');
    const retrying = z.object({ id: z.string() }).parse(await drive(['retry-pending'])).id;
    const retry = await meta(retrying, 'RETRY');
    write('result-meta-intermediate.json', { started, retry });
    write('unacked.json', unacked);
    await drive(['revoke', '--terminate', sleeper]);

    console.log(
      `captured ${events.length} event messages, ${Object.keys(metas).length} result values, ` +
        `${Object.values(lists).flat().length} queue messages, ${Object.keys(unacked.hash).length} unacked entries, ` +
        `${Object.values(pidbox).reduce((n, p) => n + p.replies.length, 0)} pidbox replies`,
    );
  } finally {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    for (const c of [sniffer, client, blocking, results]) c.disconnect();
    await server.stop();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
