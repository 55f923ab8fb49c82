import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAlertsFile, AlertsFileError } from '@/lib/server/alerts/alerts-config';
import { EVALUATORS } from '@/lib/server/alerts/evaluate';
import type { AlertInputs } from '@/lib/server/alerts/inputs';
import { defaultRules } from '@/lib/server/alerts/rules/defaults';
import type { Rule } from '@/lib/server/alerts/rules/schema';
import type { QueueView } from '@/lib/server/queues/types';
import { newWorkerDoc, type WorkerDoc } from '@/lib/server/workers/worker-doc';

// Each rule type judged from hand-built inputs (the integration tests drive real workers; these pin
// the arithmetic and the edges: peers, windows, restarts, missing inputs).

const NOW = 1_800_000_000;
function ruleOf(id: string, over: Partial<Rule> = {}): Rule {
  const base = defaultRules().find((r) => r.id === id);
  if (!base) throw new Error(`no default rule ${id}`);
  return { ...base, ...over };
}
const evaluate = (r: Rule, inputs: AlertInputs) => EVALUATORS[r.type](r, inputs);

function queue(name: string, depth: number, consumers: string[], outPerSecond = 0, over: Partial<QueueView> = {}): QueueView {
  return {
    name, depth, bands: [], consumers, busyConsumers: [], unacked: 0, scheduled: 0, reserved: 0,
    rates: { inPerSecond: 0, outPerSecond, windowSeconds: 60, lowerBound: false, at: NOW },
    drainSeconds: null, oldestAgeSeconds: null, oldestAgeSource: null, sources: ['worker'], stale: false,
    firstSeen: NOW - 3600, lastNonEmpty: NOW, lastConsumer: NOW, ...over,
  };
}

function worker(hostname: string, over: Partial<WorkerDoc> = {}): WorkerDoc {
  return { ...newWorkerDoc(hostname, NOW - 1), pid: 1, freq: 2, ...over };
}

function inputs(over: Partial<AlertInputs> = {}): AlertInputs {
  return {
    now: NOW,
    snapshot: { sampledAt: NOW, views: [], unacked: { total: 0, scanned: 0, capped: false, unmapped: 0, overdue: 0 }, noReply: [] },
    workers: [],
    resources: new Map(),
    minuteCounters: [],
    collector: { holder: 'x', aliveAt: NOW, stoppedAt: null, eventsPerSecond: 1, lagP50: 0, lagP99: 0, eventsTotal: 1, malformedTotal: 0, ignoredTotal: 0, lastEventAt: NOW, lastFlushAt: NOW, openGap: null, backlogBytes: 0, backlogMessages: 0, backlogPeakBytes: 0, backlogLimitBytes: 1, backlogOldestAt: null, droppedMessages: 0 },
    gaps: [],
    discovery: { status: 'complete', lastFullPassAt: NOW, lastPassSeconds: 1, passStartedAt: null, passProgress: null },
    started: [],
    depthHistory: new Map(),
    longRunning: [],
    ...over,
  };
}

const withQueues = (views: QueueView[]) => inputs({ snapshot: { sampledAt: NOW, views, unacked: { total: 0, scanned: 0, capped: false, unmapped: 0, overdue: 0 }, noReply: [] } });

describe('queue imbalance', () => {
  const r = ruleOf('queue-imbalance', { threshold: 60, factor: 5 });

  it('fires for a queue draining K × slower than the queues sharing its workers', () => {
    const views = [queue('slow', 6000, ['w1'], 10), queue('a', 100, ['w1', 'w2'], 10), queue('b', 50, ['w2'], 10), queue('elsewhere', 1e6, ['w9'], 1)];
    const found = evaluate(r, withQueues(views));
    expect(found?.map((o) => o.subject)).toEqual(['queue=slow']);
    // peers: only "a" shares w1; "elsewhere" has other workers.
    expect(found?.[0]?.details).toMatchObject({ drainSeconds: 600, peerMedianDrainSeconds: 10, peers: 'a' });
  });

  it('compares a queue nobody consumes with every consumed queue', () => {
    const found = evaluate(r, withQueues([queue('orphans', 20, []), queue('celery', 0, ['w1'])]));
    expect(found?.[0]).toMatchObject({ subject: 'queue=orphans', value: null, details: { drainSeconds: null } });
  });

  it('stays quiet below T, with no peers, or without a snapshot', () => {
    expect(evaluate(r, withQueues([queue('q', 50, ['w1'], 1), queue('p', 0, ['w1'])]))).toEqual([]);
    expect(evaluate(r, withQueues([queue('alone', 1e6, ['w1'], 1)]))).toEqual([]);
    expect(evaluate(r, inputs({ snapshot: null }))).toBeNull();
  });
});

describe('queue growing', () => {
  const r = ruleOf('queue-growing', { window: 100 });
  const samples = (depth: (t: number) => number, out = 1) => Array.from({ length: 21 }, (_, i) => ({ t: NOW - 100 + i * 5, depth: depth(i * 5), out }));

  it('fires when each quarter of the window holds more than the one before while consumers take messages', () => {
    const found = evaluate(r, { ...withQueues([queue('q', 200, ['w1'], 1)]), depthHistory: new Map([['q', samples((t) => 100 + t)]]) });
    expect(found?.[0]).toMatchObject({ subject: 'queue=q', value: 100, details: { from: 100, to: 200 } });
  });

  it('not when nothing consumed it (that is no-consumer), when it dipped, or on a window not yet covered', () => {
    const q = [queue('q', 200, ['w1'], 1)];
    expect(evaluate(r, { ...withQueues(q), depthHistory: new Map([['q', samples((t) => 100 + t, 0)]]) })).toEqual([]);
    expect(evaluate(r, { ...withQueues(q), depthHistory: new Map([['q', samples((t) => (t > 50 && t < 80 ? 10 : 100 + t))]]) })).toEqual([]);
    expect(evaluate(r, { ...withQueues(q), depthHistory: new Map([['q', samples((t) => 100 + t).slice(10)]]) })).toEqual([]);
  });
});

describe('worker rules', () => {
  it('lost: heartbeats stopped (not a graceful shutdown), however long ago', () => {
    const found = evaluate(ruleOf('worker-lost'), inputs({ workers: [worker('a@h', { lastReceived: NOW - 30 }), worker('b@h'), worker('c@h', { lastReceived: NOW - 30, offlineAt: NOW - 30 }), worker('d@h', { lastReceived: NOW - 3 * 86_400 })] }));
    expect(found?.map((o) => o.labels.worker)).toEqual(['a@h', 'd@h']);
    expect(found?.[0]?.value).toBe(30);
  });

  it('memory growth: maxrss up by X % across the window, measured from the last restart', () => {
    const r = ruleOf('worker-memory-growth', { threshold: 50, window: 600 });
    const series = (values: number[]) => values.map((v, i) => [NOW - 600 + i * 60, v] as [number, number]);
    const grown = new Map([['a@h', { concurrency: 2, samples: series([100_000, 120_000, 140_000, 160_000, 180_000, 200_000, 210_000, 220_000, 230_000, 240_000, 250_000]) }]]);
    expect(evaluate(r, inputs({ workers: [worker('a@h')], resources: grown }))?.[0]).toMatchObject({ value: 150, details: { fromKb: 100_000, toKb: 250_000 } });
    const restarted = new Map([['a@h', { concurrency: 2, samples: series([100_000, 300_000, 50_000, 52_000, 54_000, 56_000, 58_000, 60_000, 62_000, 64_000, 66_000]) }]]);
    expect(evaluate(r, inputs({ workers: [worker('a@h')], resources: restarted }))).toEqual([]);
  });

  it('load skew: a saturated consumer while another consumer of the same queue idles', () => {
    const views = [queue('q', 40, ['a@h', 'b@h'], 1)];
    const resources = new Map([['a@h', { concurrency: 4, samples: [] }], ['b@h', { concurrency: 4, samples: [] }]]);
    const found = evaluate(ruleOf('worker-load-skew'), { ...withQueues(views), workers: [worker('a@h', { active: 4 }), worker('b@h', { active: 0 })], resources });
    expect(found?.[0]).toMatchObject({ subject: 'queue=q', details: { saturated: 'a@h', idle: 'b@h' } });
    const balanced = evaluate(ruleOf('worker-load-skew'), { ...withQueues(views), workers: [worker('a@h', { active: 4 }), worker('b@h', { active: 3 })], resources });
    expect(balanced).toEqual([]);
  });
});

describe('task rules', () => {
  const minutes: Array<Record<string, string>> = [{ 'failed|t.a': '3', 'succeeded|t.a': '1', 'failed|t.b': '1', 'succeeded|t.b': '99', 'exhausted|t.c': '2' }, { 'failed|t.a': '2' }];

  it('failure rate by name over the window, with at least N runs', () => {
    const found = evaluate(ruleOf('task-failure-rate', { threshold: 10, minRuns: 5 }), inputs({ minuteCounters: minutes }));
    expect(found?.map((o) => [o.labels.task, o.value])).toEqual([['t.a', 83.3]]);
    expect(evaluate(ruleOf('task-failure-rate', { threshold: 10, minRuns: 10 }), inputs({ minuteCounters: minutes }))).toEqual([]);
  });

  it('retries exhausted, per name', () => {
    expect(evaluate(ruleOf('task-retries-exhausted'), inputs({ minuteCounters: minutes }))?.map((o) => [o.labels.task, o.value])).toEqual([['t.c', 2]]);
  });

  it('stuck: running longer than max(T, k × p99 of its name)', () => {
    const r = ruleOf('task-stuck', { threshold: 60, factor: 10 });
    const long = (id: string, name: string, ranFor: number, p99: number | null) => ({ id, name, worker: 'w@h', queue: 'celery', started: NOW - ranFor, p99 });
    const found = evaluate(r, inputs({ longRunning: [long('1', 'fast', 120, 1), long('2', 'slow', 120, 60), long('3', 'new', 61, null)] }));
    expect(found?.map((o) => [o.labels.task, o.details.limitSeconds])).toEqual([['fast', 60], ['new', 60]]);
  });
});

describe('cluster rules', () => {
  it('events silent: workers answer inspect but no event arrives', () => {
    const silent = inputs({ ...withQueues([queue('q', 0, ['w1'])]), collector: { ...inputs().collector, lastEventAt: NOW - 600 } });
    expect(evaluate(ruleOf('events-silent'), silent)?.[0]?.summary).toMatch(/cannot hear the event stream/);
    expect(evaluate(ruleOf('events-silent'), { ...silent, collector: { ...silent.collector, aliveAt: NOW - 300 } })).toBeNull();
  });

  it('events silent: heartbeats say tasks run, but no task event arrived (task events off)', () => {
    const busy = inputs({ workers: [worker('a@h', { active: 2 })], minuteCounters: [{}, {}, {}] });
    expect(evaluate(ruleOf('events-silent', { threshold: 120 }), busy)?.[0]?.summary).toMatch(/task events are off/);
    expect(evaluate(ruleOf('events-silent', { threshold: 120 }), { ...busy, minuteCounters: [{}, { 'started|t': '1' }, {}] })).toEqual([]);
  });

  it('collector gap: open now, or ended within the window', () => {
    expect(evaluate(ruleOf('collector-gap'), inputs({ gaps: [{ start: NOW - 100, end: NOW - 50, reason: 'subscriber dropped' }] }))?.[0]?.value).toBe(50);
    expect(evaluate(ruleOf('collector-gap'), inputs({ gaps: [{ start: NOW - 5000, end: NOW - 4000, reason: 'x' }] }))).toEqual([]);
  });

  it('discovery incomplete, ETA pile-up and unacked overdue', () => {
    expect(evaluate(ruleOf('discovery-incomplete'), inputs({ discovery: { status: 'incomplete', lastFullPassAt: null, lastPassSeconds: null, passStartedAt: NOW - 60, passProgress: 0.4 } }))?.[0]?.value).toBe(40);
    expect(evaluate(ruleOf('eta-pileup', { threshold: 3 }), withQueues([queue('a', 0, ['w'], 0, { scheduled: 2 }), queue('b', 0, ['w'], 0, { scheduled: 2 })]))?.[0]?.value).toBe(4);
    const overdue = withQueues([]);
    if (overdue.snapshot) overdue.snapshot.unacked.overdue = 7;
    expect(evaluate(ruleOf('unacked-overdue'), overdue)?.[0]?.value).toBe(7);
  });
});

describe('the alerts file', () => {
  const cfg = { alerts: { file: 'a.yaml', intervalSeconds: 5, publicUrl: 'https://t' } };

  it('overrides defaults by id, adds rules, and routes to channels', () => {
    const parsed = parseAlertsFile(
      `rules:\n  - id: queue-backlog\n    threshold: 50\n    for: 2m\n    scope: { queue: "emails*" }\n  - id: billing-failures\n    type: task_failure_rate\n    threshold: 1\n    scope: { task: billing.* }\n    channels: [pd]\n  - id: worker-offline\n    enabled: false\nchannels:\n  - { id: pd, type: pagerduty, routing_key: abcdefabcdefabcdefabcdefabcdefab, url: "http://127.0.0.1:9/x" }\nroutes:\n  - { severity: [critical], channels: [pd] }\nrepeatInterval: 1h\n`,
      'a.yaml',
      cfg,
    );
    expect(parsed.rules.find((r) => r.id === 'queue-backlog')).toMatchObject({ threshold: 50, for: 120, scope: { queue: ['emails*'] }, type: 'queue_backlog' });
    expect(parsed.rules.find((r) => r.id === 'billing-failures')).toMatchObject({ type: 'task_failure_rate', threshold: 1, channels: ['pd'], enabled: true });
    expect(parsed.rules.find((r) => r.id === 'worker-offline')?.enabled).toBe(false);
    expect(parsed.repeatIntervalSeconds).toBe(3600);
  });

  const problemsOf = (text: string): string[] => {
    try {
      parseAlertsFile(text, 'a.yaml', cfg);
      return [];
    } catch (err) {
      return err instanceof AlertsFileError ? err.problems : [String(err)];
    }
  };

  it('names every bad field with its path', () => {
    expect(problemsOf(`rules:\n  - id: queue-backlog\n    threshold: lots\n    colour: red\n  - id: x\n    type: queue_backlog\n    for: soon\n`)).toEqual([
      'rules.0.threshold: Invalid input: expected number, received string',
      'rules.0: Unrecognized key: "colour"',
      'rules.1.for: "soon" is not a duration (e.g. 30, 90s, 15m, 4h)',
    ]);
    expect(problemsOf(`rules:\n  - id: brand-new\n  - id: x\n    type: queue_backlog\n    channels: [nowhere]\n`)).toEqual([
      'rules.0.type: required for a new rule ("brand-new" is not a default rule)',
      'rules.1.channels.0: no channel has id "nowhere"',
    ]);
    expect(problemsOf('rules: [unclosed')[0]).toMatch(/^not valid YAML\/JSON: /);
  });
});

describe('examples/alerts.yaml', () => {
  it('is a valid alerts file', () => {
    const env = { SLACK_WEBHOOK_URL: 'https://hooks.slack.example/T/B/x', PAGERDUTY_ROUTING_KEY: 'a'.repeat(32), SMTP_URL: 'smtp://u:p@127.0.0.1:2525', TRELLIS_WEBHOOK_SECRET: 's'.repeat(32) };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const parsed = parseAlertsFile(readFileSync(path.join(__dirname, '../../examples/alerts.yaml'), 'utf8'), 'examples/alerts.yaml', { alerts: { file: 'x', intervalSeconds: 5, publicUrl: 'https://t' } });
      expect(parsed.channels.map((c) => c.id)).toEqual(['slack', 'pagerduty', 'ops-email', 'webhook', 'alertmanager']);
      expect(parsed.rules.find((r) => r.id === 'billing-failures')?.channels).toEqual(['pagerduty', 'ops-email']);
    } finally {
      for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
    }
  });
});
