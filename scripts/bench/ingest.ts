// `npm run bench:ingest` — ingestion benchmark (not a test). Starts its own redis-server (Redis'
// default pub/sub output-buffer limit) and a standalone collector process, publishes synthetic
// events in Celery's real wire format (task.multi lists and single events, pipelined):
//   1. at rising rates (timestamped just in time, so lag is meaningful);
//   2. a burst at the publisher's full speed, not rate limited (BENCH_FULL events);
//   3. the same at full speed with the collector inside the built web server (`next start`, built
//      first if needed) while pages and API routes are requested concurrently.
// Reports sustained events/s (published → all stored), events lost, gaps, lag, the ingest backlog's
// peak, collector RSS and store memory per finished task. Bounded in count and time; loopback only.
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { encodeEventMessage, type EventMessage } from '../../lib/server/celery/event-message';
import { freePort, startRedis } from '../../tests/support/redis-server';

const PREFIX = 'trellis:';
const PHASES = (process.env.BENCH_RATES ?? '10000,25000,40000').split(',').filter(Boolean).map(Number);
const PHASE_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const FULL_EVENTS = Number(process.env.BENCH_FULL ?? 1_000_000);
const WEB_EVENTS = Number(process.env.BENCH_WEB ?? 400_000);
const PAGE_CLIENTS = Number(process.env.BENCH_PAGE_CLIENTS ?? 4);
const EVENTS_PER_TASK = 4;
const CATCH_UP_MS = 180_000;

interface Row {
  label: string;
  published: number;
  seconds: number;
  lost: number;
  gaps: number;
  lagP50: number;
  lagP99: number;
  backlogPeakMb: number;
  rssMb: number;
  caughtUp: boolean;
  pages?: string;
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
  const multi = (events: Array<Record<string, unknown>>) => encodeEventMessage(events, { hostname, routingKey: 'task.multi', channel: '/0.celeryev/task.multi' });
  const recvStart = multi([
    { ...base, clock: 2, timestamp: now + 0.0012, type: 'task-received', name: 'tasks.add', args, kwargs: '{}', root_id: id, parent_id: null, retries: 0, eta: null, expires: null },
    { ...base, clock: 3, timestamp: now + 0.0021, type: 'task-started' },
  ]);
  const done = multi([{ ...base, clock: 4, timestamp: now + 0.0153, type: 'task-succeeded', result, runtime: 0.0123 }]);
  // Text the budget excludes: args (sent + received), kwargs, result.
  return { messages: [sent, recvStart, done], textBytes: 2 * args.length + 2 * 2 + result.length };
}

/** Rate-limited: events are timestamped when published (lag = stored − sent), built just in time per 10 ms tick. */
async function publishAtRate(pub: Redis, rate: number, events: number): Promise<{ seconds: number; textBytes: number; tasks: number }> {
  const tasks = Math.ceil(events / EVENTS_PER_TASK);
  const tickMs = 10;
  const tasksPerTick = Math.max(1, Math.round((rate / EVENTS_PER_TASK) * (tickMs / 1000)));
  let sent = 0;
  let textBytes = 0;
  const started = performance.now();
  const deadline = started + (events / rate) * 1000 * 3 + 10_000;
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

/**
 * Full speed: as fast as one publisher can encode and send (no rate limit), encoded just in time as
 * Celery workers do, in pipelines of 250 tasks (1,000 events) awaited one after another.
 */
async function publishFullSpeed(pub: Redis, events: number): Promise<{ seconds: number; textBytes: number; tasks: number }> {
  const tasks = Math.ceil(events / EVENTS_PER_TASK);
  let textBytes = 0;
  const started = performance.now();
  for (let sent = 0; sent < tasks; ) {
    const pipe = pub.pipeline();
    for (const end = Math.min(tasks, sent + 250); sent < end; sent++) {
      const t = taskMessages(`w${sent % 8}@bench`);
      textBytes += t.textBytes;
      for (const m of t.messages) pipe.publish(m.channel, m.data);
    }
    await pipe.exec();
  }
  return { seconds: (performance.now() - started) / 1000, textBytes, tasks };
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function waitFor(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Requests pages and API routes in `clients` loops until stopped; returns request count and p95. */
function loadPages(base: string, clients: number): { stop(): Promise<string> } {
  const paths = ['/', '/tasks', '/queues', '/workers', '/api/v1/tasks?limit=50', '/api/v1/stats/throughput?range=1h', '/api/v1/health'];
  let running = true;
  const times: number[] = [];
  let failed = 0;
  const loops = Array.from({ length: clients }, async (_, c) => {
    for (let i = c; running; i++) {
      const t0 = performance.now();
      try {
        const res = await fetch(base + paths[i % paths.length]);
        await res.arrayBuffer();
        if (!res.ok) failed++;
      } catch {
        failed++;
      }
      times.push(performance.now() - t0);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      times.sort((a, b) => a - b);
      const p95 = times[Math.floor(times.length * 0.95)] ?? NaN;
      return `${times.length} requests, p95 ${p95.toFixed(0)} ms, ${failed} failed`;
    },
  };
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const url = redis.url(0);
  const store = new Redis(url);
  const pub = new Redis(url);
  const env = { ...process.env, CELERY_BROKER_URL: url, TRELLIS_RETENTION_MAX_TASKS: '10000000', TRELLIS_LOG_LEVEL: 'warn' };
  let collector: ChildProcess | null = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'scripts/collector.ts'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  let web: ChildProcess | null = null;
  const stats = async () => store.hgetall(`${PREFIX}collector:stats`);
  const rows: Row[] = [];
  let textTotal = 0;
  let tasksTotal = 0;
  try {
    if (!(await waitFor(async () => (await stats()).holder !== undefined, 30_000))) throw new Error('collector did not start');
    const memBase = Number(/used_memory:(\d+)/.exec(await store.info('memory'))?.[1]);

    const runPhase = async (label: string, pid: number, publish: () => Promise<{ seconds: number; textBytes: number; tasks: number }>, pages?: () => Promise<string>) => {
      const before = Number((await stats()).eventsTotal ?? 0);
      const gapsBefore = await store.llen(`${PREFIX}gaps`);
      const lags: Array<[number, number]> = [];
      let backlogPeak = 0;
      let running = true;
      const sampler = (async () => {
        while (running) {
          await new Promise((r) => setTimeout(r, 250));
          const s = await stats();
          backlogPeak = Math.max(backlogPeak, Number(s.backlogBytes ?? 0));
          if (s.lagP99) lags.push([Number(s.lagP50), Number(s.lagP99)]);
        }
      })();
      const started = performance.now();
      const p = await publish();
      const published = p.tasks * EVENTS_PER_TASK;
      textTotal += p.textBytes;
      tasksTotal += p.tasks;
      const caughtUp = await waitFor(async () => Number((await stats()).eventsTotal) - before >= published, CATCH_UP_MS);
      const seconds = (performance.now() - started) / 1000;
      running = false;
      await sampler;
      const stored = Number((await stats()).eventsTotal) - before;
      const row: Row = {
        label,
        published,
        seconds,
        lost: published - stored,
        gaps: (await store.llen(`${PREFIX}gaps`)) - gapsBefore,
        lagP50: lags.length ? Math.max(...lags.map((s) => s[0])) : NaN,
        lagP99: lags.length ? Math.max(...lags.map((s) => s[1])) : NaN,
        backlogPeakMb: backlogPeak / 1024 ** 2,
        rssMb: rssMb(pid),
        caughtUp,
        pages: pages ? await pages() : undefined,
      };
      rows.push(row);
      console.log(format(row));
    };

    const pid = collector.pid as number;
    for (const rate of PHASES) await runPhase(`${rate}/s`, pid, () => publishAtRate(pub, rate, rate * PHASE_SECONDS));
    await runPhase(`full speed, standalone collector`, pid, () => publishFullSpeed(pub, FULL_EVENTS));

    // The collector inside the built web server: stop the standalone one (it releases the lease).
    if (!existsSync('.next/BUILD_ID')) execSync('npx next build', { stdio: 'inherit' });
    collector.kill('SIGTERM');
    await new Promise((r) => collector?.once('exit', r));
    collector = null;
    const port = await freePort();
    web = spawn('npx', ['next', 'start', '-p', String(port)], { env: { ...env, NEXT_MANUAL_SIG_HANDLE: 'true' }, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    const base = `http://127.0.0.1:${port}`;
    if (!(await waitFor(async () => (await fetch(`${base}/api/v1/health`).then((r) => r.json() as Promise<{ collector: { thisProcess: boolean } }>).catch(() => null))?.collector.thisProcess === true, 60_000)))
      throw new Error('web server did not start collecting');
    const webPid = Number(execSync(`pgrep -g ${web.pid} -f next-server | head -1`).toString().trim());
    const load = loadPages(base, PAGE_CLIENTS);
    await runPhase(`full speed, collector in the web server + ${PAGE_CLIENTS} page clients`, webPid, () => publishFullSpeed(pub, WEB_EVENTS), () => load.stop());

    const succeeded = await store.zcard(`${PREFIX}ix:state:SUCCESS`);
    const memAfter = Number(/used_memory:(\d+)/.exec(await store.info('memory'))?.[1]);
    console.log('\n| phase | events | sustained events/s (published → all stored) | lost | gaps | lag p50 (worst 1 s window) | lag p99 (worst 1 s window) | backlog peak | collector RSS | caught up |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(format(r));
    for (const r of rows) if (r.pages) console.log(`\nPages during "${r.label}": ${r.pages}`);
    console.log(`\nTasks published: ${tasksTotal}, stored as SUCCESS: ${succeeded}`);
    console.log(`Store memory per finished task (excluding ${textTotal} bytes of args/result text): ${((memAfter - memBase - textTotal) / tasksTotal).toFixed(0)} bytes`);
  } finally {
    collector?.kill('SIGTERM');
    if (web?.pid) process.kill(-web.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    store.disconnect();
    pub.disconnect();
    await redis.stop();
  }
}

function format(r: Row): string {
  const ms = (s: number) => (Number.isFinite(s) ? `${(s * 1000).toFixed(0)} ms` : '—');
  return `| ${r.label} | ${r.published} | ${(r.published / r.seconds).toFixed(0)} | ${r.lost} | ${r.gaps} | ${ms(r.lagP50)} | ${ms(r.lagP99)} | ${r.backlogPeakMb.toFixed(1)} MB | ${r.rssMb.toFixed(0)} MB | ${r.caughtUp ? 'yes' : 'NO'} |`;
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
