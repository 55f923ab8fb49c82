import { describe, expect, it } from 'vitest';
import { Totals } from '@/lib/server/collector/totals';
import { ConfigError, loadConfig } from '@/lib/server/config';
import { LabelCap, labelLimits, OTHER, taskLabels } from '@/lib/server/metrics/label-cap';
import type { MetricsState } from '@/lib/server/metrics/read-state';
import { renderState } from '@/lib/server/metrics/render-metrics';
import { decodeField, encodeField, SEP } from '@/lib/server/metrics/totals-fields';
import { storeKeys } from '@/lib/server/store/keys';
import { WriteBatch } from '@/lib/server/store/write-batch';
import { deriveTask } from '@/lib/server/tasks/derive';
import type { StoredEvent } from '@/lib/server/tasks/stored-event';
import { appendEvents } from '@/lib/server/tasks/task-doc';
import { newWorkerDoc } from '@/lib/server/workers/worker-doc';

// The pure parts of /metrics: the family switch, the cardinality fold, the totals codec, and what
// a flush adds to the cumulative totals.

describe('TRELLIS_METRICS and TRELLIS_METRICS_TASK_NAMES', () => {
  it('serve every family set, 100 task names, by default', () => {
    expect(loadConfig({}).metrics).toEqual({ families: ['celery', 'flower', 'trellis'], taskNames: 100 });
  });

  it('take a subset in any order and case, or none', () => {
    expect(loadConfig({ TRELLIS_METRICS: 'trellis, Celery' }).metrics.families).toEqual(['celery', 'trellis']);
    expect(loadConfig({ TRELLIS_METRICS: 'none' }).metrics.families).toEqual([]);
    expect(loadConfig({ TRELLIS_METRICS_TASK_NAMES: '20' }).metrics.taskNames).toBe(20);
  });

  it('name the bad value', () => {
    expect(() => loadConfig({ TRELLIS_METRICS: 'celery,statsd' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRELLIS_METRICS: 'celery,statsd' })).toThrow(/TRELLIS_METRICS: "celery,statsd" must be a comma-separated subset of celery,flower,trellis or "none"/);
    expect(() => loadConfig({ TRELLIS_METRICS_TASK_NAMES: '0' })).toThrow(/TRELLIS_METRICS_TASK_NAMES: "0" must be a whole number between 1 and 10000/);
  });
});

describe('the cardinality fold', () => {
  it('admits the first N values of a dimension for good and folds the rest into other', () => {
    const cap = new LabelCap({ ...labelLimits(2), hostname: 1 });
    expect(['a', 'b', 'c', 'a', 'd', 'b'].map((v) => cap.label('name', v))).toEqual(['a', 'b', OTHER, 'a', OTHER, 'b']);
    expect(cap.label('hostname', 'h1')).toBe('h1');
    expect(cap.label('hostname', 'h2')).toBe(OTHER);
    expect(cap.takeFresh()).toEqual([
      ['name', 'a'],
      ['name', 'b'],
      ['hostname', 'h1'],
    ]);
    expect(cap.takeFresh()).toEqual([]);
  });

  it('starts from the stored admissions (a new collector keeps the same series)', () => {
    const cap = new LabelCap(labelLimits(2), [
      ['name', 'x'],
      ['name', 'y'],
    ]);
    expect(cap.label('name', 'z')).toBe(OTHER);
    expect(cap.label('name', 'y')).toBe('y');
    expect(cap.takeFresh()).toEqual([]);
  });

  it('folds a long-tail name with its hostname and queue; past the series budget a new combination loses its hostname', () => {
    const cap = new LabelCap({ ...labelLimits(2), series: 3 });
    expect(taskLabels(cap, 'a', 'h1', 'q')).toEqual({ name: 'a', hostname: 'h1', queue: 'q' });
    expect(taskLabels(cap, 'b', 'h1', 'q')).toEqual({ name: 'b', hostname: 'h1', queue: 'q' });
    expect(taskLabels(cap, 'c', 'h1', 'q')).toEqual({ name: OTHER, hostname: OTHER, queue: OTHER });
    expect(taskLabels(cap, 'a', 'h2', 'q')).toEqual({ name: 'a', hostname: 'h2', queue: 'q' });
    expect(taskLabels(cap, 'b', 'h2', 'q')).toEqual({ name: 'b', hostname: OTHER, queue: 'q' }); // 4th combination
    expect(taskLabels(cap, 'a', 'h1', 'q')).toEqual({ name: 'a', hostname: 'h1', queue: 'q' }); // admitted ones keep theirs
  });

  it('never admits "other" as a value of its own', () => {
    const cap = new LabelCap(labelLimits(5));
    expect(cap.label('name', OTHER)).toBe(OTHER);
    expect(cap.takeFresh()).toEqual([]);
  });
});

describe('the totals codec', () => {
  it('round-trips every field and keeps the separator out of label values', () => {
    const fields = [
      { kind: 'event', type: 'task-failed', name: `a${SEP}b`, hostname: 'w1@h', queue: 'celery', exception: 'ValueError' },
      { kind: 'runtime', name: 'n', hostname: 'h', queue: 'q', bucket: 3 },
      { kind: 'waitSum', name: 'n', hostname: 'h', queue: 'q' },
      { kind: 'prefetchTime', hostname: 'h', name: 'n' },
      { kind: 'exhausted', name: 'n' },
      { kind: 'admitted', dimension: 'name', value: 'n' },
    ] as const;
    expect(fields.map((f) => decodeField(encodeField(f)))).toEqual([{ ...fields[0], name: 'a_b' }, ...fields.slice(1)]);
    expect(decodeField('zz')).toBeNull();
  });
});

const ev = (type: string, timestamp: number, extra: Record<string, unknown> = {}): StoredEvent => ({ type, timestamp, lr: timestamp, hostname: 'w1@h', ...extra });

describe('a flush adds to the cumulative totals', () => {
  it('counts events, runtime, queue wait, prefetch and retries exhausted; admits labels in the same write', () => {
    const events = [
      ev('task-sent', 100, { name: 'tasks.add', queue: 'fast', hostname: 'client@h' }),
      ev('task-received', 101, { name: 'tasks.add', retries: 1 }),
      ev('task-started', 103),
      ev('task-failed', 104, { exception: "ValueError('x')" }),
    ];
    const task = deriveTask('t1', appendEvents({ e: [] }, events));
    const totals = new Totals(new LabelCap(labelLimits(100)));
    for (const e of events) totals.add(e, task);
    const batch = new WriteBatch(async () => ({ applied: true, commandErrors: 0, firstCommandError: null }));
    const keys = storeKeys('t:');
    totals.write(batch, keys);
    const incr = new Map(batch.commands.filter((c) => c[0] === 'HINCRBY').map((c) => [String(c[2]), c[3]]));
    const set = new Map<string, unknown>();
    for (const c of batch.commands.filter((c) => c[0] === 'HSET')) for (let i = 2; i < c.length; i += 2) set.set(String(c[i]), c[i + 1]);
    const e = (type: string, hostname = 'w1@h', exception = '') => encodeField({ kind: 'event', type, name: 'tasks.add', hostname, queue: 'fast', exception });
    expect(incr.get(e('task-sent', 'client@h'))).toBe(1);
    expect(incr.get(e('task-started'))).toBe(1);
    expect(incr.get(e('task-failed', 'w1@h', 'ValueError'))).toBe(1);
    expect(incr.get(encodeField({ kind: 'exhausted', name: 'tasks.add' }))).toBe(1);
    // Queue wait: started − sent = 3 s → bucket "≤ 5" (index 6 of celery-exporter's bounds), 3,000,000 µs.
    expect(incr.get(encodeField({ kind: 'wait', name: 'tasks.add', hostname: 'w1@h', queue: 'fast', bucket: 6 }))).toBe(1);
    expect(incr.get(encodeField({ kind: 'waitSum', name: 'tasks.add', hostname: 'w1@h', queue: 'fast' }))).toBe(3_000_000);
    expect(incr.get(encodeField({ kind: 'prefetchIn', hostname: 'w1@h', name: 'tasks.add' }))).toBe(1);
    expect(incr.get(encodeField({ kind: 'prefetchOut', hostname: 'w1@h', name: 'tasks.add' }))).toBe(1);
    expect(set.get(encodeField({ kind: 'prefetchTime', hostname: 'w1@h', name: 'tasks.add' }))).toBe('0'); // done: back to 0 (Flower's rule)
    expect(set.get(encodeField({ kind: 'admitted', dimension: 'name', value: 'tasks.add' }))).toBe('1');
    expect(set.get(encodeField({ kind: 'admitted', dimension: 'exception', value: 'ValueError' }))).toBe('1');
    // Received, then revoked before it started: out of the prefetched count too.
    const revoked = [ev('task-received', 200, { name: 'tasks.add' }), ev('task-revoked', 201)];
    const other = new Totals(new LabelCap(labelLimits(100)));
    const revokedTask = deriveTask('t2', appendEvents({ e: [] }, revoked));
    for (const e of revoked) other.add(e, revokedTask);
    const b2 = new WriteBatch(async () => ({ applied: true, commandErrors: 0, firstCommandError: null }));
    other.write(b2, keys);
    const pf = encodeField({ kind: 'prefetchOut', hostname: 'w1@h', name: 'tasks.add' });
    expect(b2.commands.find((c) => c[0] === 'HINCRBY' && c[2] === pf)?.[3]).toBe(1);
    // A retried write of the same prepared flush queues the same commands.
    const again = new WriteBatch(async () => ({ applied: true, commandErrors: 0, firstCommandError: null }));
    totals.write(again, keys);
    expect(again.commands).toEqual(batch.commands);
  });
});

const state = (): MetricsState => ({
  now: 1000,
  totals: [
    { field: { kind: 'event', type: 'task-succeeded', name: 'tasks.add', hostname: 'w1@h', queue: 'celery', exception: '' }, value: 5 },
    { field: { kind: 'runtime', name: 'tasks.add', hostname: 'w1@h', queue: 'celery', bucket: 0 }, value: 4 },
    { field: { kind: 'runtime', name: 'tasks.add', hostname: 'w1@h', queue: 'celery', bucket: 14 }, value: 1 },
    { field: { kind: 'runtimeSum', name: 'tasks.add', hostname: 'w1@h', queue: 'celery' }, value: 12_500_000 },
  ],
  workers: [],
  snapshot: null,
  collector: { holder: null, aliveAt: null, stoppedAt: null, eventsPerSecond: null, lagP50: null, lagP99: null, eventsTotal: null, malformedTotal: null, ignoredTotal: null, lastEventAt: null, lastFlushAt: null, openGap: null, backlogBytes: null, backlogMessages: null, backlogPeakBytes: null, backlogLimitBytes: null, backlogOldestAt: null, droppedMessages: null },
  leaseHeld: false,
  gapsRecorded: 0,
  alerts: [JSON.stringify({ state: 'firing', ruleId: 'queue-backlog', severity: 'warning' }), JSON.stringify({ state: 'pending', ruleId: 'x', severity: 'info' }), 'not json'],
});

describe('the family switch', () => {
  it('serves only the enabled family sets', () => {
    const all = renderState(['celery', 'flower', 'trellis'], state()).body;
    expect(all).toMatch(/^celery_task_succeeded_total\{name="tasks.add",hostname="w1@h",queue_name="celery"\} 5$/m);
    expect(all).toMatch(/^celery_task_runtime_bucket\{name="tasks.add",hostname="w1@h",queue_name="celery",le="0.005"\} 4$/m);
    expect(all).toMatch(/^celery_task_runtime_bucket\{name="tasks.add",hostname="w1@h",queue_name="celery",le="\+Inf"\} 5$/m);
    expect(all).toMatch(/^celery_task_runtime_sum\{name="tasks.add",hostname="w1@h",queue_name="celery"\} 12.5$/m);
    expect(all).toMatch(/^flower_events_total\{worker="w1@h",type="task-succeeded",task="tasks.add"\} 5$/m);
    expect(all).toMatch(/^trellis_alerts_firing\{rule="queue-backlog",severity="warning"\} 1$/m);
    expect(all).not.toMatch(/rule="x"/);

    const flowerOnly = renderState(['flower'], state());
    expect(flowerOnly.body).toMatch(/^flower_events_total/m);
    expect(flowerOnly.body).not.toMatch(/^(celery|trellis)_/m);
    expect(flowerOnly.contentType).toMatch(/^text\/plain; version=0.0.4/);
    expect(renderState([], null).body).toBe('');
  });
});

describe('worker gauges', () => {
  it('drop a worker silent for 10 minutes from celery_worker_up (as celery-exporter); Flower keeps it at 0', () => {
    const now = 10_000;
    const live = { ...newWorkerDoc('w1@h', now - 1), freq: 2, active: 3 };
    const gone = { ...newWorkerDoc('w2@h', now - 1_000), freq: 2, active: 1 };
    const body = renderState(['celery', 'flower'], { ...state(), now, workers: [live, gone] }).body;
    expect(body).toMatch(/^celery_worker_up\{hostname="w1@h"\} 1$/m);
    expect(body).toMatch(/^celery_worker_tasks_active\{hostname="w1@h"\} 3$/m);
    expect(body).not.toMatch(/^celery_worker_\w+\{hostname="w2@h"\}/m);
    expect(body).toMatch(/^flower_worker_online\{worker="w2@h"\} 0$/m);
  });
});
