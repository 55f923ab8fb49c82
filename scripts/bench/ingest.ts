// `npm run bench:ingest` — ingestion benchmark (not a test). Starts its own redis-server and a
// standalone collector process, publishes synthetic events in Celery's real wire format
// (task.multi lists and single events, pre-encoded and pipelined) at rising rates, and reports
// sustained events/s, events lost, lag p50/p99, collector RSS and store memory per finished task.
// Bounded: each phase has a fixed event count and a time limit. Loopback only.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { encodeEventMessage, type EventMessage } from '../../lib/server/celery/event-message';
import { startRedis } from '../../tests/support/redis-server';

const PREFIX = 'trellis:';
const PHASES = (process.env.BENCH_RATES ?? '5000,10000,25000,40000').split(',').map(Number);
const PHASE_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const BURST_EVENTS = Number(process.env.BENCH_BURST ?? 300_000);
const EVENTS_PER_TASK = 4;

interface Phase {
  label: string;
  rate: number;
  events: number;
}

function taskMessages(hostname: string): { messages: EventMessage[]; textBytes: number } {
  const id = randomUUID();
  const now = Date.now() / 1000;
  const base = { hostname, utcoffset: 0, pid: 4242, uuid: id };
  const args = '(2, 3)';
  const result = '5';
  const sent = encodeEventMessage(
    { ...base, hostname: 'gen99@bench', clock: 1, timestamp: now, type: 'task-sent', name: 'tasks.add', args, kwargs: '{}', root_id: id, parent_id: null, retries: 0, eta: null, expires: null, queue: 'celery', exchange: '', routing_key: 'celery' },
    { hostname: 'gen99@bench', routingKey: 'task.sent', channel: '/0.celeryev/task.sent' },
  );
  const multi = (events: Array<Record<string, unknown>>) =>
    encodeEventMessage(events, { hostname, routingKey: 'task.multi', channel: '/0.celeryev/task.multi' });
  const recvStart = multi([
    { ...base, clock: 2, timestamp: now + 0.0012, type: 'task-received', name: 'tasks.add', args, kwargs: '{}', root_id: id, parent_id: null, retries: 0, eta: null, expires: null },
    { ...base, clock: 3, timestamp: now + 0.0021, type: 'task-started' },
  ]);
  const done = multi([{ ...base, clock: 4, timestamp: now + 0.0153, type: 'task-succeeded', result, runtime: 0.0123 }]);
  // Text the budget excludes: args (sent + received), kwargs, result.
  return { messages: [sent, recvStart, done], textBytes: 2 * args.length + 2 * 2 + result.length };
}

/** Events are timestamped when published (lag = stored − sent), so build them just in time per tick. */
async function publishPhase(pub: Redis, phase: Phase): Promise<{ seconds: number; textBytes: number; tasks: number }> {
  const tasks = Math.ceil(phase.events / EVENTS_PER_TASK);
  const tickMs = 10;
  const tasksPerTick = Math.max(1, Math.round((phase.rate / EVENTS_PER_TASK) * (tickMs / 1000)));
  let sent = 0;
  let textBytes = 0;
  const started = performance.now();
  const deadline = started + (phase.events / phase.rate) * 1000 * 3 + 10_000;
  while (sent < tasks && performance.now() < deadline) {
    const due = Math.min(tasks, Math.floor(((performance.now() - started) / tickMs + 1) * tasksPerTick));
    const pipe = pub.pipeline();
    for (; sent < due; sent++) {
      const t = taskMessages(`w${sent % 8}@bench`);
      textBytes += t.textBytes;
      for (const m of t.messages) pipe.publish(m.channel, m.data);
    }
    await pipe.exec();
    const next = started + (Math.floor((performance.now() - started) / tickMs) + 1) * tickMs;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  return { seconds: (performance.now() - started) / 1000, textBytes, tasks: sent };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const url = redis.url(0);
  const store = new Redis(url);
  const pub = new Redis(url);
  const collector: ChildProcess = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'scripts/collector.ts'], {
    env: {
      ...process.env,
      CELERY_BROKER_URL: url,
      TRELLIS_RETENTION_MAX_TASKS: '10000000',
      TRELLIS_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stats = async () => store.hgetall(`${PREFIX}collector:stats`);
  try {
    if (!(await waitFor(async () => (await store.get(`${PREFIX}collector:lease`)) !== null, 30_000))) throw new Error('collector did not start');
    await new Promise((r) => setTimeout(r, 500));
    const memBase = Number(/used_memory:(\d+)/.exec(await store.info('memory'))?.[1]);

    const phases: Phase[] = PHASES.map((rate) => ({ label: `${rate}/s`, rate, events: rate * PHASE_SECONDS }));
    phases.push({ label: `burst ${BURST_EVENTS}`, rate: 25_000, events: BURST_EVENTS });
    let publishedTotal = 0;
    let textTotal = 0;
    let tasksTotal = 0;
    const rows: string[] = [];
    for (const phase of phases) {
      const before = Number((await stats()).eventsTotal ?? 0);
      const lagSamples: Array<[number, number]> = [];
      let running = true;
      const sampler = (async () => {
        while (running) {
          await new Promise((r) => setTimeout(r, 1000));
          const s = await stats();
          if (s.lagP99) lagSamples.push([Number(s.lagP50), Number(s.lagP99)]);
        }
      })();
      const pub1 = await publishPhase(pub, phase);
      const published = pub1.tasks * EVENTS_PER_TASK;
      publishedTotal += published;
      textTotal += pub1.textBytes;
      tasksTotal += pub1.tasks;
      const caughtUp = await waitFor(async () => Number((await stats()).eventsTotal) - before >= published, 60_000);
      const drainedAt = performance.now();
      running = false;
      await sampler;
      const stored = Number((await stats()).eventsTotal) - before;
      const gaps = await store.llen(`${PREFIX}gaps`);
      const p50 = lagSamples.length ? Math.max(...lagSamples.map((s) => s[0])) : NaN;
      const p99 = lagSamples.length ? Math.max(...lagSamples.map((s) => s[1])) : NaN;
      const sustained = published / pub1.seconds;
      rows.push(
        `| ${phase.label} | ${published} | ${sustained.toFixed(0)} | ${published - stored} | ${gaps} | ${(p50 * 1000).toFixed(0)} ms | ${(p99 * 1000).toFixed(0)} ms | ${rssMb(collector.pid as number).toFixed(0)} MB | ${caughtUp ? 'yes' : 'NO'} |`,
      );
      void drainedAt;
      console.log(rows[rows.length - 1]);
    }
    const succeeded = await store.zcard(`${PREFIX}ix:state:SUCCESS`);
    const memAfter = Number(/used_memory:(\d+)/.exec(await store.info('memory'))?.[1]);
    const perTask = (memAfter - memBase - textTotal) / tasksTotal;
    console.log('\n| phase | events | published events/s | lost | gaps | lag p50 (worst 1 s window) | lag p99 (worst 1 s window) | collector RSS | caught up |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
    console.log(`\nTasks published: ${tasksTotal}, stored as SUCCESS: ${succeeded}, events published: ${publishedTotal}`);
    console.log(`Store memory per finished task (excluding ${textTotal} bytes of args/result text): ${perTask.toFixed(0)} bytes`);
  } finally {
    collector.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    store.disconnect();
    pub.disconnect();
    await redis.stop();
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
