// Captures real Celery 5.2 traffic for the unit tests (tests/fixtures/celery-5.2/): the raw event
// messages of the `workload` scenario from a prefork and a threads worker, raw queue messages of
// tasks nobody consumed, and result-backend values. Re-runnable:
//   node --conditions=react-server --import tsx scripts/capture-fixtures.ts
import { writeFileSync } from 'node:fs';
import Redis from 'ioredis';
import { runDriver, startWorker } from '../tests/support/celery';
import { startRedis } from '../tests/support/redis-server';

const OUT = 'tests/fixtures/celery-5.2';

async function main(): Promise<void> {
  const server = await startRedis();
  const broker = server.url(0);
  const backend = server.url(1);
  const sniffer = new Redis(broker);
  const events: Array<{ channel: string; data: string }> = [];
  await sniffer.psubscribe('/0.celeryev/*');
  sniffer.on('pmessage', (_p: string, channel: string, data: string) => events.push({ channel, data }));

  const workers = await Promise.all([
    startWorker({ brokerUrl: broker, backendUrl: backend, name: 'w1', queues: ['celery', 'fast'], concurrency: 2 }),
    startWorker({ brokerUrl: broker, backendUrl: backend, name: 'w2', queues: ['celery'], pool: 'threads', concurrency: 2 }),
  ]);
  const workload = (await runDriver(['workload', '--wait'], { brokerUrl: broker, backendUrl: backend })) as Record<string, unknown> & { states: Record<string, string> };
  await new Promise((r) => setTimeout(r, 3_000)); // heartbeats, late batches
  await Promise.all(workers.map((w) => w.stop())); // worker-offline
  await new Promise((r) => setTimeout(r, 500));
  writeFileSync(`${OUT}/events-workload.json`, JSON.stringify({ workload, messages: events }, null, 1));

  // Messages waiting in a queue nobody consumes (one with a countdown, one with a priority).
  const client = new Redis(broker);
  await runDriver(['queue-only', 'orphan', '2'], { brokerUrl: broker, backendUrl: backend });
  const queued = await client.lrange('orphan', 0, -1);
  writeFileSync(`${OUT}/queue-messages.json`, JSON.stringify({ queue: 'orphan', messages: queued }, null, 1));

  const results = new Redis(backend);
  const metas: Record<string, string | null> = {};
  for (const id of Object.keys(workload.states)) metas[id] = await results.get(`celery-task-meta-${id}`);
  writeFileSync(`${OUT}/result-meta.json`, JSON.stringify(metas, null, 1));

  for (const c of [sniffer, client, results]) c.disconnect();
  await server.stop();
  console.log(`captured ${events.length} event messages, ${queued.length} queue messages, ${Object.keys(metas).length} result values`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
