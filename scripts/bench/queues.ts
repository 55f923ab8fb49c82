// `npm run bench:queues` — queue sampler benchmark (not a test). Starts its own redis-server, fills
// 1,000 queues × 4 priority bands with task messages shaped byte for byte like kombu's (bindings
// declared as Celery does), then measures (1) one sample: a single pipelined round trip to the
// broker for all queues, its duration (p50/p95/max over BENCH_SAMPLES samples, with 100 pushes and
// 100 pops between samples so the flow and head paths run) and the Redis time of the probe script;
// (2) Redis' own CPU (INFO cpu used_cpu_sys + used_cpu_user deltas) over a bounded window with the
// sampler at the default 5 s interval, against an idle baseline of the same length. BENCH_MODE=plain
// or =script measures one mode; by default both run, one after the other, with their ratio. Loopback only; bounded time and memory.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { kombuJson } from '../../lib/server/celery/kombu-json';
import { celeryNames, KOMBU_SEP } from '../../lib/server/celery/names';
import { loadConfig } from '../../lib/server/config';
import { createContext } from '../../lib/server/context';
import { cpuSeconds } from '../../lib/server/broker/info';
import type { ProbeMode } from '../../lib/server/queues/band-probe';
import { startQueueDiscovery } from '../../lib/server/queues/discovery-scan';
import { startQueueSampler } from '../../lib/server/queues/sampler';
import { startRedis } from '../../tests/support/redis-server';

const QUEUES = Number(process.env.BENCH_QUEUES ?? 1_000);
const PER_BAND = Number(process.env.BENCH_PER_BAND ?? 5);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);
const CPU_SECONDS = Number(process.env.BENCH_CPU_SECONDS ?? 60);
const STEPS = [0, 3, 6, 9];
// How many of the 4 bands hold messages: 4 = worst case; 1 = the usual (priorities unused).
const BANDS_FILLED = Number(process.env.BENCH_BANDS_FILLED ?? 4);
// Both by default: 'script' (the Lua probe) and 'plain' (what a broker that refuses scripting gets);
// BENCH_MODE picks one. The CPU window uses the first.
const MODES: ProbeMode[] = process.env.BENCH_MODE === 'plain' ? ['plain'] : process.env.BENCH_MODE === 'script' ? ['script'] : ['script', 'plain'];

function message(queue: string, priority: number): string {
  const id = randomUUID();
  const args = [Math.floor(Math.random() * 1000), 'x'.repeat(200)];
  const body = Buffer.from(JSON.stringify([args, {}, { callbacks: null, errbacks: null, chain: null, chord: null }])).toString('base64');
  return kombuJson({
    body, 'content-encoding': 'utf-8', 'content-type': 'application/json',
    headers: { lang: 'py', task: 'tasks.add', id, shadow: null, eta: null, expires: null, group: null, group_index: null, retries: 0, timelimit: [null, null], root_id: id, parent_id: null, argsrepr: JSON.stringify(args), kwargsrepr: '{}', origin: 'gen1@bench', ignore_result: false },
    properties: { correlation_id: id, reply_to: '', delivery_mode: 2, delivery_info: { exchange: '', routing_key: queue }, priority, body_encoding: 'base64', delivery_tag: randomUUID() },
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

async function redisCpuOver(redis: Redis, seconds: number, during?: () => Promise<void>): Promise<number> {
  const c0 = cpuSeconds(await redis.info('cpu')) ?? 0;
  const t0 = Date.now();
  const work = during?.();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await work;
  const c1 = cpuSeconds(await redis.info('cpu')) ?? 0;
  return (100 * (c1 - c0)) / ((Date.now() - t0) / 1000);
}

async function main() {
  const server = await startRedis();
  const redis = new Redis(server.url(0));
  const names = celeryNames({ db: 0, keyPrefix: '', prioritySteps: STEPS, separator: KOMBU_SEP });
  const queues = Array.from({ length: QUEUES }, (_, i) => `q${i}`);
  console.log(`filling ${QUEUES} queues × ${STEPS.length} bands (${BANDS_FILLED} non-empty × ${PER_BAND} messages of ${(message('q0', 0).length / 1024).toFixed(1)} KB)…`);
  for (let i = 0; i < queues.length; i += 100) {
    const pipe = redis.pipeline();
    for (const q of queues.slice(i, i + 100)) {
      pipe.sadd(names.bindingKey(q), names.bindingMember(q, '', q));
      for (const b of names.queueBandKeys(q).slice(0, BANDS_FILLED)) pipe.lpush(b.key, ...Array.from({ length: PER_BAND }, () => message(q, b.step)));
    }
    await pipe.exec();
  }

  const config = loadConfig({ CELERY_BROKER_URL: server.url(0), TRELLIS_LOG_LEVEL: 'silent', TRELLIS_INSPECT_TIMEOUT: '0.2' });
  const clients = { store: new Redis(server.url(0)), broker: new Redis(server.url(0)), backend: new Redis(server.url(0)) };
  const ctx = createContext(config, { ...clients, broker: clients.store, backend: clients.store });
  // The sampler's queues come from what discovery stored: one full pass first.
  const discovery = startQueueDiscovery(ctx, { autostart: false });
  while (!(await discovery.step()));
  await discovery.stop();

  // (1) One sample = one pipelined round trip; traffic in between exercises LPUSH/RPOP flow and
  // moves heads. Each mode gets its own sampler over the same queues, run one after the other in
  // this process so their ratio is comparable on a noisy machine.
  const results = new Map<string, { p50: number; p95: number }>();
  for (const mode of MODES) {
    const sampler = startQueueSampler(ctx, { autostart: false, mode });
    await sampler.refresh();
    const warm = await sampler.sampleOnce(); // the first sample also reads every band's newest message
    await redis.config('RESETSTAT');
    const ms: number[] = [];
    const total: number[] = [];
    const store: number[] = [];
    let commands = 0;
    // Built before timing so the generator's own garbage does not land in the measured samples.
    const traffic = Array.from({ length: SAMPLES }, () =>
      Array.from({ length: 100 }, () => {
        const q = queues[Math.floor(Math.random() * queues.length)] ?? 'q0';
        return { q, m: message(q, 0), pop: queues[Math.floor(Math.random() * queues.length)] ?? 'q0' };
      }),
    );
    for (let i = 0; i < SAMPLES; i++) {
      const pipe = redis.pipeline();
      for (const { q, m, pop } of traffic[i] ?? []) pipe.lpush(q, m).rpop(pop);
      await pipe.exec();
      const t0 = performance.now();
      const s = await sampler.sampleOnce();
      total.push(performance.now() - t0);
      ms.push(s.brokerMs);
      store.push(s.storeMs);
      commands = s.brokerCommands;
    }
    await sampler.stop();
    results.set(mode, { p50: pct(ms, 50), p95: pct(ms, 95) });
    console.log(
      `[${mode}] sample of ${QUEUES} queues (${commands} commands in ONE pipeline; warm-up ${warm.brokerMs} ms): ` +
        `broker round trip p50 ${pct(ms, 50)} ms, p95 ${pct(ms, 95)} ms, max ${Math.max(...ms)} ms; ` +
        `store write p50 ${pct(store, 50)} ms, p95 ${pct(store, 95)} ms; ` +
        `whole sample incl. store writes p50 ${pct(total, 50).toFixed(1)} ms, p95 ${pct(total, 95).toFixed(1)} ms`,
    );
    const evalStats = (await redis.info('commandstats')).match(/cmdstat_evalsha:calls=(\d+),usec=(\d+)/);
    if (evalStats) {
      const [calls, usec] = [Number(evalStats[1]), Number(evalStats[2])];
      console.log(`[${mode}] Redis time in the probe script: ${(usec / 1000 / SAMPLES).toFixed(1)} ms per sample, ${(usec / calls / 1000).toFixed(1)} ms per call (the longest Redis is held at once)`);
    }
  }
  const [script, plain] = [results.get('script'), results.get('plain')];
  if (script && plain) console.log(`plain / script broker round trip: p50 ×${(plain.p50 / script.p50).toFixed(2)}, p95 ×${(plain.p95 / script.p95).toFixed(2)}`);

  // (2) Redis CPU with the sampler at the default interval vs idle.
  const baseline = await redisCpuOver(redis, CPU_SECONDS);
  const interval = config.sampleIntervalSeconds;
  const sampler = startQueueSampler(ctx, { autostart: false, mode: MODES[0] });
  await sampler.refresh();
  const loaded = await redisCpuOver(redis, CPU_SECONDS, async () => {
    const end = Date.now() + CPU_SECONDS * 1000;
    while (Date.now() + interval * 1000 <= end) {
      const started = Date.now();
      await sampler.sampleOnce();
      await new Promise((r) => setTimeout(r, Math.max(0, interval * 1000 - (Date.now() - started))));
    }
  });
  console.log(
    `Redis CPU over ${CPU_SECONDS} s: idle ${baseline.toFixed(2)} %, with sampler every ${interval} s ${loaded.toFixed(2)} % ` +
      `→ Trellis adds ${(loaded - baseline).toFixed(2)} % of one core`,
  );
  const mem = (await redis.info('memory')).match(/used_memory:(\d+)/)?.[1];
  console.log(`store series after the run: ${await redis.dbsize()} keys in the DB, used_memory ${mem} bytes`);

  await sampler.stop();
  for (const c of Object.values(clients)) c.disconnect();
  redis.disconnect();
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
