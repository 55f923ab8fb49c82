// `npm run bench:revoke` — revoke of BENCH_REVOKE_TASKS (default 10,000) tasks by filter, end to end
// on a real cluster (not a test): a fresh redis-server (broker DB 0 with the store, backend DB 1),
// a collector, two real Celery workers online (consuming another queue, so they answer the
// broadcast without eating the tasks), and the tasks published by Celery itself to a queue nobody
// consumes (so every one is waiting: its message is removed, REVOKED written, and it is broadcast).
// Two rounds: (1) dry run by filter, then the action on its previewId; (2) the action by filter in
// one call. Reported: wall time, and the action's own Redis traffic on its own connections —
// commands, and round trips (commands written in one turn of the event loop — a pipeline, a MULTI,
// or concurrent calls — count as one). The pidbox reply consumer's BRPOP (a separate connection) is
// not counted. Bounded in count and time; loopback only.
import Redis from 'ioredis';
import { z } from 'zod';
import { revokeTasks, type RevokeRequest } from '../../lib/server/actions/revoke-tasks';
import { Collector } from '../../lib/server/collector/collector';
import { loadConfig } from '../../lib/server/config';
import { createContext } from '../../lib/server/context';
import { listWorkers } from '../../lib/server/workers/list-workers';
import { runDriver, startWorker } from '../../tests/support/celery';
import { startRedis } from '../../tests/support/redis-server';

const TASKS = Math.min(Number(process.env.BENCH_REVOKE_TASKS ?? 10_000), 10_000);
const DEADLINE_MS = 10 * 60_000;
const principal = { id: 'bench', kind: 'user' as const, name: 'bench', role: 'operator' as const };

/** An ioredis client that counts its commands and its round trips (one per event-loop turn with writes). */
function countingClient(url: string) {
  const client = new Redis(url);
  const counts = { commands: 0, roundTrips: 0 };
  let turnOpen = false;
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((...args: Parameters<typeof client.sendCommand>) => {
    counts.commands++;
    if (!turnOpen) {
      turnOpen = true;
      counts.roundTrips++;
      setImmediate(() => (turnOpen = false));
    }
    return send(...args);
  }) as typeof client.sendCommand;
  return { client, counts };
}

async function waitUntil(probe: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + DEADLINE_MS;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const env = { CELERY_BROKER_URL: redis.url(0), CELERY_RESULT_BACKEND: redis.url(1), TRELLIS_LOG_LEVEL: 'warn', TRELLIS_INSPECT_TIMEOUT: '2' };
  const config = loadConfig(env);
  const collectorClients = { store: new Redis(env.CELERY_BROKER_URL), backend: new Redis(env.CELERY_RESULT_BACKEND) };
  const collectorCtx = createContext(config, { store: collectorClients.store, broker: collectorClients.store, backend: collectorClients.backend });
  const collector = new Collector(collectorCtx);
  await collector.start();
  const workers = await Promise.all(['rb1', 'rb2'].map((name) => startWorker({ brokerUrl: env.CELERY_BROKER_URL, backendUrl: env.CELERY_RESULT_BACKEND, name, queues: ['other'], concurrency: 1 })));
  try {
    await waitUntil(async () => (await listWorkers(collectorCtx)).filter((w) => w.status === 'online').length === 2, 'two workers online');
    console.log(`| round | tasks | removed from queue | workers answering | wall time | Redis commands | Redis round trips |\n|---|---|---|---|---|---|---|`);
    for (const [round, queue] of [['dry run + preview', 'bench-a'], ['by filter', 'bench-b']] as const) {
      const published = z.object({ ids: z.array(z.string()) }).parse(await runDriver(['queue-only', queue, String(TASKS)], { ...brokerUrls(env), timeoutMs: DEADLINE_MS })).ids;
      await waitUntil(async () => (await collectorClients.store.zcard(collectorCtx.keys.index('queue', queue))) >= published.length, `${queue}: ${published.length} tasks in the store`);

      const store = countingClient(env.CELERY_BROKER_URL);
      const backend = countingClient(env.CELERY_RESULT_BACKEND);
      const ctx = createContext(config, { store: store.client, broker: store.client, backend: backend.client });
      const filter = { queue } as unknown as RevokeRequest['filter'];
      const started = performance.now();
      let result;
      if (round === 'by filter') {
        result = await revokeTasks(ctx, principal, null, { filter, terminate: false, dryRun: false });
      } else {
        const preview = await revokeTasks(ctx, principal, null, { filter, terminate: false, dryRun: true });
        if (!preview.dryRun) throw new Error('expected a preview');
        result = await revokeTasks(ctx, principal, null, { previewId: preview.previewId, terminate: false, dryRun: false });
      }
      const seconds = (performance.now() - started) / 1000;
      if (result.dryRun) throw new Error('expected a result');
      const left = await collectorClients.store.llen(queue);
      const commands = store.counts.commands + backend.counts.commands;
      const trips = store.counts.roundTrips + backend.counts.roundTrips;
      const answering = result.replies.filter((r) => r.status === 'ok').length;
      console.log(`| ${round} | ${result.requested} | ${result.removedFromQueue} (left in queue: ${left}) | ${answering}/${result.replies.length} | ${seconds.toFixed(2)} s | ${commands} | ${trips} |`);
      store.client.disconnect();
      backend.client.disconnect();
    }
  } finally {
    await collector.stop();
    await Promise.all(workers.map((w) => w.kill()));
    collectorClients.store.disconnect();
    collectorClients.backend.disconnect();
    await redis.stop();
  }
}

const brokerUrls = (env: { CELERY_BROKER_URL: string; CELERY_RESULT_BACKEND: string }) => ({ brokerUrl: env.CELERY_BROKER_URL, backendUrl: env.CELERY_RESULT_BACKEND });

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
