// `npm run bench:queue-actions` — purge with undo on a 1,000,000-message queue (not a test). Starts
// its own redis-server, fills one queue's 4 priority bands (70% band 0, 10% each other band) with
// kombu-shaped task messages (pipelined LPUSH of 1,000 per command, bounded in count and time),
// then times, through the domain verbs (runAction, audit entry, task notes included):
//   1. purge (goal < 1 s);
//   2. restore into the emptied queue (goal < 10 s) — every band's SHA-256 then equals the one
//      taken before the purge (byte for byte, in order);
//   3. purge again, one new message in every band, restore (the step-by-step RPOPLPUSH path);
//   4. move of the next BENCH_MOVE messages to another queue (each envelope rerouted).
// For each: the commands Trellis sent to Redis (a counting wrapper on the connection: every
// script call, pipelined command and read is one) and the Redis calls of the busiest commands
// (INFO commandstats deltas, which also count the commands scripts run). Loopback only.
import { createHash, randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { kombuJson } from '../../lib/server/celery/kombu-json';
import { loadConfig } from '../../lib/server/config';
import { createContext, type TrellisContext } from '../../lib/server/context';
import { moveMessages } from '../../lib/server/queue-actions/move';
import { purgeQueue } from '../../lib/server/queue-actions/purge';
import { restoreArchive } from '../../lib/server/queue-actions/restore';
import { FULL_VIEW } from '../../lib/server/redaction';
import { startRedis } from '../../tests/support/redis-server';
import RedisClient from 'ioredis';

const MESSAGES = Math.min(Number(process.env.BENCH_MESSAGES ?? 1_000_000), 5_000_000);
const MOVE = Math.min(Number(process.env.BENCH_MOVE ?? 100_000), MESSAGES);
const FILL_SECONDS = 300;
const QUEUE = 'bench';
const SHARE = [0.7, 0.1, 0.1, 0.1];
const STEPS = [0, 3, 6, 9];
const principal = { id: 'user:bench', kind: 'user' as const, name: 'bench', role: 'operator' as const };

function message(queue: string, priority: number): string {
  const id = randomUUID();
  const args = [Math.floor(Math.random() * 1000), 1];
  const body = Buffer.from(JSON.stringify([args, {}, { callbacks: null, errbacks: null, chain: null, chord: null }])).toString('base64');
  return kombuJson({
    body, 'content-encoding': 'utf-8', 'content-type': 'application/json',
    headers: { lang: 'py', task: 'tasks.add', id, eta: null, expires: null, retries: 0, timelimit: [null, null], root_id: id, parent_id: null, argsrepr: JSON.stringify(args), kwargsrepr: '{}' },
    properties: { correlation_id: id, reply_to: '', delivery_mode: 2, delivery_info: { exchange: '', routing_key: queue }, priority, body_encoding: 'base64', delivery_tag: randomUUID() },
  });
}

/** Commands sent on a connection (a script call, a pipelined command, a read: one each). */
function countCommands(redis: Redis): () => number {
  let n = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((...a: Parameters<Redis['sendCommand']>) => {
    n += 1;
    return send(...a);
  }) as Redis['sendCommand'];
  return () => n;
}

/** Calls per command, and the microseconds Redis spent in scripts (`script-usec`). */
async function commandstats(redis: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    out.set(m[1] ?? '', Number(m[2]));
    if (m[1] === 'evalsha' || m[1] === 'eval') out.set('script-usec', (out.get('script-usec') ?? 0) + Number(m[3]));
  }
  return out;
}

async function fill(redis: Redis, bands: string[]): Promise<void> {
  const deadline = Date.now() + FILL_SECONDS * 1000;
  for (const [i, key] of bands.entries()) {
    const n = Math.round(MESSAGES * (SHARE[i] ?? 0));
    for (let done = 0; done < n; ) {
      if (Date.now() > deadline) throw new Error(`filling took over ${FILL_SECONDS} s`);
      const pipe = redis.pipeline();
      for (let c = 0; c < 10 && done < n; c++) {
        const batch = Array.from({ length: Math.min(1_000, n - done) }, () => message(QUEUE, STEPS[i] ?? 0));
        pipe.lpush(key, ...batch);
        done += batch.length;
      }
      await pipe.exec();
    }
  }
}

/** SHA-256 of a band's messages left to right, read 10,000 at a time; `skipRight` leaves out the newest at the right end. */
async function digest(redis: Redis, key: string, skipRight = 0): Promise<string> {
  const h = createHash('sha256');
  const len = (await redis.llen(key)) - skipRight;
  for (let i = 0; i < len; i += 10_000) for (const m of await redis.lrangeBuffer(key, i, Math.min(i + 10_000, len) - 1)) h.update(m).update('\n');
  return h.digest('hex');
}

async function timed<T>(ctx: TrellisContext, label: string, counter: () => number, run: () => Promise<T>): Promise<T> {
  const stats0 = await commandstats(ctx.broker);
  const c0 = counter();
  const t0 = performance.now();
  const out = await run();
  const ms = performance.now() - t0;
  const sent = counter() - c0;
  const stats1 = await commandstats(ctx.broker);
  const delta = (k: string) => (stats1.get(k) ?? 0) - (stats0.get(k) ?? 0);
  const calls = [...stats1.keys()].filter((k) => k !== 'info' && k !== 'script-usec' && delta(k) > 0).sort((a, b) => delta(b) - delta(a));
  console.log(
    `${label}: ${ms.toFixed(0)} ms; ${sent} commands sent (script calls: ${delta('evalsha') + delta('eval')}, ${(delta('script-usec') / 1000).toFixed(0)} ms inside Redis); ` +
      `Redis calls: ${calls.slice(0, 6).map((k) => `${k} ${delta(k)}`).join(', ')}`,
  );
  return out;
}

async function main() {
  const server = await startRedis();
  const url = server.url(0);
  const ctx = createContext(loadConfig({ CELERY_BROKER_URL: url, TRELLIS_LOG_LEVEL: 'warn' }), (() => {
    const c = new RedisClient(url);
    return { store: c, broker: c, backend: c };
  })());
  const counter = countCommands(ctx.broker);
  const bands = ctx.celery.queueBandKeys(QUEUE).map((b) => b.key);
  const guard = setTimeout(() => {
    console.error('bench: over 10 minutes, stopping');
    process.exit(2);
  }, 600_000);
  try {
    const t0 = performance.now();
    await fill(ctx.broker, bands);
    const mem = /used_memory_human:(\S+)/.exec(await ctx.broker.info('memory'))?.[1];
    console.log(`filled ${MESSAGES.toLocaleString('en')} messages (${(message(QUEUE, 0).length / 1024).toFixed(2)} KB each; bands ${SHARE.map((s) => Math.round(MESSAGES * s)).join('/')}) in ${((performance.now() - t0) / 1000).toFixed(1)} s; Redis memory ${mem}`);
    const before = await Promise.all(bands.map((k) => digest(ctx.broker, k)));
    const verb = { ctx, principal, requestId: null, view: FULL_VIEW };

    const purged = await timed(ctx, `purge of ${MESSAGES.toLocaleString('en')}`, counter, () => purgeQueue({ ...verb, input: { queue: QUEUE, dryRun: false } }));
    if (purged.dryRun || !purged.archiveId) throw new Error('nothing purged');
    const restored = await timed(ctx, 'restore into the emptied queue (RENAME per band)', counter, () => restoreArchive({ ...verb, input: { queue: QUEUE, archiveId: purged.archiveId ?? '', dryRun: false } }));
    const after = await Promise.all(bands.map((k) => digest(ctx.broker, k)));
    console.log(`  restored ${restored.dryRun ? 0 : restored.restored}; every band byte for byte in order: ${after.every((d, i) => d === before[i])}`);

    const again = await purgeQueue({ ...verb, input: { queue: QUEUE, dryRun: false } });
    if (again.dryRun || !again.archiveId) throw new Error('nothing purged');
    for (const [i, key] of bands.entries()) await ctx.broker.lpush(key, message(QUEUE, STEPS[i] ?? 0));
    // The new messages are at each band's left end; the restored ones land to their left.
    await timed(ctx, 'restore behind one new message per band (RPOPLPUSH steps of 10,000)', counter, () => restoreArchive({ ...verb, input: { queue: QUEUE, archiveId: again.archiveId ?? '', dryRun: false } }));
    const behind = await Promise.all(bands.map((k) => digest(ctx.broker, k, 1)));
    console.log(`  archived messages byte for byte in order, the new ones after them: ${behind.every((d, i) => d === before[i])}`);

    const moved = await timed(ctx, `move of the next ${MOVE.toLocaleString('en')} (rerouted, steps of 2,000)`, counter, () => moveMessages({ ...verb, input: { queue: QUEUE, to: 'bench2', count: MOVE, dryRun: false } }));
    console.log(`  moved ${moved.dryRun ? 0 : moved.moved}, kept ${moved.dryRun ? 0 : moved.kept}`);
  } finally {
    clearTimeout(guard);
    ctx.broker.disconnect();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
