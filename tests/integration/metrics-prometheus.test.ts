import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Collector } from '@/lib/server/collector/collector';
import { runDriver, startWorker, type Worker } from '../support/celery';
import { freePort, startRedis } from '../support/redis-server';
import { exited, testContext, waitFor } from '../support/trellis';

// Issue 9's "done when" for /metrics: real Celery workers drive real traffic, a real Prometheus
// (Debian's) scrapes the route every second, `promtool check metrics` accepts the exposition,
// celery-mixin's and Flower's dashboard and alert queries (and our Grafana dashboard's) return data
// with their labels, the task-name cap holds, and counters stay monotonic across a collector handover.

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLES = path.join(ROOT, 'examples/prometheus');
const JOB = 'celery-trellis'; // celery-mixin selects job=~".*celery.*"
const TASK_NAMES = 4; // the workload runs 7 task names: 3 fold into `other`

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let workers: Worker[] = [];
let httpServer: http.Server;
let prometheus: ChildProcess;
let promUrl: string;
let promLogs = '';
let tmp: string;
let stopCollector: () => Promise<void>;
let route: typeof import('@/app/metrics/route');

const scrape = async (): Promise<string> => (await route.GET(new Request('http://localhost/metrics'))).text();

const Result = z.object({
  status: z.literal('success'),
  data: z.object({ resultType: z.string(), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })) }),
});
type Series = z.infer<typeof Result>['data']['result'];

async function query(expr: string): Promise<Series> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`${expr}: ${JSON.stringify(body)}`);
  return Result.parse(body).data.result;
}

/** Waits until the query returns series (and `until` holds): Prometheus scrapes every second, rates need two samples. */
const someData = (expr: string, until: (r: Series) => boolean = () => true, timeoutMs = 20_000): Promise<Series> =>
  waitFor(async () => {
    const r = await query(expr);
    return r.length > 0 && r.some((s) => s.value[1] !== 'NaN') && until(r) ? r : null;
  }, `data for ${expr}`, timeoutMs);
const positive = (r: Series) => Number(r[0]?.value[1]) > 0;

/** Sample lines of counters (and histogram parts) by series: name{labels} → value. */
function counterSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\S+?(?:_total|_bucket|_sum|_count)(?:\{.*\})?) (\S+)$/.exec(line);
    if (m?.[1] && m[2]) out.set(m[1], Number(m[2]));
  }
  return out;
}

function startPrometheus(target: string, port: number): ChildProcess {
  const config = path.join(tmp, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: [${JSON.stringify(path.join(EXAMPLES, 'trellis-rules.yml'))}]`,
      'scrape_configs:',
      `  - job_name: ${JOB}`,
      `    static_configs: [{ targets: [${JSON.stringify(target)}] }]`,
    ].join('\n'),
  );
  const child = spawn(
    '/usr/bin/prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(tmp, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1h', '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => (promLogs += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (promLogs += d.toString()));
  return child;
}

beforeAll(async () => {
  server = await startRedis();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'trellis-prom-'));
  Object.assign(process.env, {
    CELERY_BROKER_URL: server.url(0),
    CELERY_RESULT_BACKEND: server.url(1),
    TRELLIS_LOG_LEVEL: 'silent',
    TRELLIS_QUEUES: 'nobody',
    TRELLIS_SAMPLE_INTERVAL: '1',
    TRELLIS_METRICS_TASK_NAMES: String(TASK_NAMES),
  });
  route = await import('@/app/metrics/route');
  const { startProcessCollector, stopProcessCollector } = await import('@/lib/server/collector/runtime');
  const { getContext } = await import('@/lib/server/context');
  await startProcessCollector(getContext());
  stopCollector = stopProcessCollector;

  // The route as Next.js would serve it, on loopback.
  httpServer = http.createServer((req, res) => {
    void route.GET(new Request(`http://localhost${req.url ?? '/'}`)).then(async (r) => {
      res.writeHead(r.status, Object.fromEntries(r.headers));
      res.end(await r.text());
    });
  });
  const appPort = await freePort();
  await new Promise<void>((resolve) => httpServer.listen(appPort, '127.0.0.1', resolve));
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  prometheus = startPrometheus(`127.0.0.1:${appPort}`, promPort);
  await waitFor(async () => (await fetch(`${promUrl}/-/ready`)).ok, 'prometheus ready', 30_000);

  workers = await Promise.all([
    startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'w1', queues: ['celery', 'fast'], concurrency: 2 }),
    startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'w2', queues: ['celery'], concurrency: 2 }),
  ]);
  const celery = { brokerUrl: server.url(0), backendUrl: server.url(1) };
  await runDriver(['workload', '--wait'], celery);
  await runDriver(['queue-only', 'nobody', '5'], celery);
  // Everything the workload did is stored (the last task events reach the store within a flush).
  await waitFor(async () => (await summed('celery_task_succeeded_total')) >= 12 && (await summed('celery_task_failed_total')) >= 2, 'the workload counted', 30_000);
  // Prometheus counts increases of series it has seen: once it scraped the first run, run it again.
  await waitFor(async () => (await query('count(celery_task_failed_total)')).length > 0, 'the first run scraped', 20_000);
  // Series are per worker: which worker retries or fails a task is chance, so run again (at most 4
  // times) until Prometheus has seen a retried and a failed series grow.
  const grew = async (family: string) => Number((await query(`sum(increase(${family}[1h]))`))[0]?.value[1]) > 0;
  for (let run = 2; run <= 5; run++) {
    await runDriver(['workload', '--wait'], celery);
    await waitFor(async () => (await summed('celery_task_succeeded_total')) >= 12 * run && (await summed('celery_task_failed_total')) >= 2 * run, `run ${run} counted`, 30_000);
    await new Promise((r) => setTimeout(r, 2_000)); // two scrapes
    if ((await grew('celery_task_retried_total')) && (await grew('celery_task_failed_total'))) break;
  }
}, 240_000);

/** Sum of a counter family's samples in the current exposition. */
async function summed(family: string): Promise<number> {
  let total = 0;
  for (const [series, v] of counterSamples(await scrape())) if (series === family || series.startsWith(`${family}{`)) total += v;
  return total;
}

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await stopCollector?.();
  if (prometheus) {
    prometheus.kill('SIGTERM');
    await exited(prometheus);
  }
  await new Promise((r) => (httpServer ? httpServer.close(r) : r(null)));
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('GET /metrics under real Celery traffic', () => {
  it('is Prometheus text that promtool check metrics accepts', async () => {
    const res = await route.GET(new Request('http://localhost/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await res.text();
    const check = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    // It parses (exit 1 would be a format error). Its lint (exit 3) flags only two names Trellis keeps
    // as celery-exporter spells them, for the dashboards that use them (a `_count` suffix on a gauge).
    const lint = `${check.stdout}${check.stderr}`.trim().split('\n').filter(Boolean).sort();
    expect(lint).toEqual([
      'celery_active_consumer_count non-histogram and non-summary metrics should not have "_count" suffix',
      'celery_active_worker_count non-histogram and non-summary metrics should not have "_count" suffix',
    ]);
    expect(check.status).toBe(3);
    const withoutThem = body.replace(/^.*celery_active_(consumer|worker)_count.*\n/gm, '');
    expect(spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: withoutThem, encoding: 'utf8' }).status).toBe(0);
    for (const family of ['celery_task_runtime', 'celery_task_queue_wait_time', 'flower_task_runtime_seconds', 'flower_task_prefetch_time_seconds', 'trellis_queue_depth', 'trellis_collector_up']) {
      expect(body).toMatch(new RegExp(`^# TYPE ${family} `, 'm'));
    }
  });

  it('holds the task-name cap in the store: 4 names keep their label, the rest are `other`', async () => {
    const names = new Set([...(await scrape()).matchAll(/^celery_task_received_total\{name="([^"]*)"/gm)].map((m) => m[1]));
    expect(names.has('other')).toBe(true);
    expect(names.size).toBe(TASK_NAMES + 1);
  });

  it("answers celery-mixin's dashboard and alert queries", async () => {
    const sel = `job=~".*celery.*", queue_name!~"None"`;
    expect((await someData(`count(celery_worker_up{${sel}} == 1)`))[0]?.value[1]).toBe('2');
    await someData(`sum(celery_worker_tasks_active{${sel}})`);
    const queues = await someData(`topk(10, sum(celery_queue_length{${sel}}) by (queue_name))`, (r) => r.length >= 3);
    expect(queues.map((s) => s.metric.queue_name).sort()).toEqual(['celery', 'fast', 'nobody']);
    expect(queues.find((s) => s.metric.queue_name === 'nobody')?.value[1]).toBe('5');
    await someData(`sum(round(increase(celery_task_received_total{${sel}}[1w])))`, positive);
    await someData(`sum(increase(celery_task_retried_total{${sel}}[6h]))`, positive);
    await someData(`sum(rate(celery_task_runtime_sum{${sel}}[1w])) / sum(rate(celery_task_runtime_count{${sel}}[1w])) > 0`);
    const byName = await someData(`round(sum(increase(celery_task_failed_total{${sel}, name!~"None"}[1w])) by (name, exception))`);
    expect(byName.every((s) => s.metric.name)).toBe(true);
    expect(byName.filter((s) => s.metric.exception).length).toBeGreaterThan(0);
    await someData(`histogram_quantile(0.50, sum(rate(celery_task_runtime_bucket{${sel}}[1w])) by (name, job, le))`);
    await someData(`histogram_quantile(0.95, sum(rate(celery_task_queue_wait_time_bucket{${sel}}[1w])) by (queue_name, le))`);
    // CeleryTaskHighFailRate (tasks.fail always fails).
    const failRate = await someData(
      `sum(increase(celery_task_failed_total{${sel}, name!~"None"}[10m])) by (job, queue_name, name) / (sum(increase(celery_task_failed_total{${sel}, name!~"None"}[10m])) by (job, queue_name, name) + sum(increase(celery_task_succeeded_total{${sel}, name!~"None"}[10m])) by (job, queue_name, name)) * 100 > 5`,
    );
    expect(failRate.every((s) => s.metric.job === JOB && s.metric.queue_name && s.metric.name)).toBe(true);
  });

  it("answers Flower's example dashboard and alert queries", async () => {
    const sel = `worker=~".*", task=~".*"`;
    expect((await someData(`count(flower_worker_online{worker=~".*"} == 1) or vector(0)`))[0]?.value[1]).toBe('2');
    await someData(`sum(increase(flower_events_total{${sel}, type=~"task-(succeeded|failed)"}[1h])) or vector(0)`, positive);
    const executing = await someData(`flower_worker_number_of_currently_executing_tasks{worker=~".*"}`);
    expect(executing.map((s) => s.metric.worker).sort()).toEqual(workers.map((w) => w.hostname).sort());
    expect((await someData(`sum by (worker) (flower_worker_prefetched_tasks{${sel}})`)).every((s) => s.metric.worker)).toBe(true);
    expect((await someData(`avg by (task) (flower_task_prefetch_time_seconds{${sel}})`)).every((s) => s.metric.task)).toBe(true);
    await someData(`sum by (task) (rate(flower_task_runtime_seconds_sum{${sel}}[1h])) / clamp_min(sum by (task) (rate(flower_task_runtime_seconds_count{${sel}}[1h])), 0.000000001)`);
    await someData(`histogram_quantile(0.95, sum by (le, task) (rate(flower_task_runtime_seconds_bucket{${sel}}[1h])))`);
    // TaskFailureRatioTooHigh.
    const ratio = await someData(`(sum(avg_over_time(flower_events_total{type="task-failed"}[15m])) by (task) / sum(avg_over_time(flower_events_total{type=~"task-failed|task-succeeded"}[15m])) by (task)) * 100 > 1`);
    expect(ratio.every((s) => s.metric.task)).toBe(true);
  });

  it("answers every query of the shipped Grafana dashboard; the shipped rules load and evaluate", async () => {
    const dashboard = z
      .object({ panels: z.array(z.object({ title: z.string(), targets: z.array(z.object({ expr: z.string() })) })) })
      .parse(JSON.parse(readFileSync(path.join(EXAMPLES, 'grafana-dashboard.json'), 'utf8')));
    for (const panel of dashboard.panels) {
      for (const t of panel.targets) {
        const expr = t.expr.replaceAll('$job', '.*').replaceAll('$queue', '.*').replaceAll('$__rate_interval', '1m');
        const series = await someData(expr).catch((err: unknown) => {
          throw new Error(`panel "${panel.title}": ${String(err)}`);
        });
        expect(series.length, panel.title).toBeGreaterThan(0);
      }
    }
    const check = spawnSync('/usr/bin/promtool', ['check', 'rules', path.join(EXAMPLES, 'trellis-rules.yml')], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const Rules = z.object({ data: z.object({ groups: z.array(z.object({ rules: z.array(z.object({ name: z.string(), health: z.string(), lastError: z.string().optional() })) })) }) });
    const rules = await waitFor(async () => {
      const r = Rules.parse(await (await fetch(`${promUrl}/api/v1/rules`)).json()).data.groups.flatMap((g) => g.rules);
      return r.length > 0 && r.every((x) => x.health === 'ok') ? r : null;
    }, 'every shipped rule evaluated');
    expect(rules).toHaveLength(10);
    // A queue that holds messages and has no consumer is what TrellisQueueWithoutConsumer selects.
    expect((await someData(`(sum by (job, queue) (trellis_queue_depth) > 0) and on (job, queue) (trellis_queue_consumers == 0)`)).map((s) => s.metric.queue)).toEqual(['nobody']);
    await someData('sum(increase(trellis_task_retries_exhausted_total[1h]))', positive);
  });

  it('keeps every counter monotonic across a collector handover', async () => {
    const before = counterSamples(await scrape());
    await stopCollector();
    const nextCtx = testContext({ CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_METRICS_TASK_NAMES: String(TASK_NAMES) });
    const next = new Collector(nextCtx);
    await next.start();
    try {
      await waitFor(async () => next.isLeader, 'the new collector leads', 20_000);
      const receivedBefore = await summed('celery_task_received_total');
      await runDriver(['burst', '20', '--wait'], { brokerUrl: server.url(0), backendUrl: server.url(1) });
      await waitFor(async () => (await summed('celery_task_received_total')) >= receivedBefore + 20, 'the burst counted by the new collector', 30_000);
      const after = counterSamples(await scrape());
      // trellis_collector_*_total count what the collecting process did since it began: a handover is a
      // counter reset there (documented); every series read from the stored totals must not go down.
      const dropped = [...before].filter(([series, v]) => !series.startsWith('trellis_collector_') && (after.get(series) ?? -1) < v);
      expect(dropped).toEqual([]);
      // Prometheus saw no counter reset in the Celery and Flower families during the whole test.
      await new Promise((r) => setTimeout(r, 2_500));
      for (const family of ['celery_task_received_total', 'celery_task_succeeded_total', 'celery_task_runtime_count', 'celery_task_queue_wait_time_bucket', 'flower_events_total', 'flower_task_runtime_seconds_bucket', 'trellis_task_retries_exhausted_total']) {
        const resets = await someData(`sum(resets(${family}{job="${JOB}"}[10m]))`);
        expect(resets[0]?.value[1], family).toBe('0');
      }
      // The cap survived the handover: still 4 names and `other`.
      const names = new Set([...(await scrape()).matchAll(/^celery_task_received_total\{name="([^"]*)"/gm)].map((m) => m[1]));
      expect(names.size).toBe(TASK_NAMES + 1);
    } finally {
      await next.stop();
      nextCtx.close();
    }
  }, 120_000);
});

afterAll(() => {
  if (promLogs.trim()) console.log(`prometheus said:\n${promLogs.slice(-2_000)}`);
});
