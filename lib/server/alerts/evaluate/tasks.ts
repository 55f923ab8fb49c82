import type { AlertInputs } from '../inputs';
import type { Rule } from '../rules/schema';
import { duration, encodePath, fmt, inScope, type Evaluation, type Observation } from './observation';

// Task rules, from the collector's per-minute counters (`<metric>|<task name>`) and the tasks that
// are STARTED (stuck.ts loads those).

// A minute hash split once into metric → name → count (minute hashes are re-used across cycles).
const parsed = new WeakMap<Record<string, string>, Map<string, Map<string, number>>>();

function byMetric(fields: Record<string, string>): Map<string, Map<string, number>> {
  let m = parsed.get(fields);
  if (m) return m;
  m = new Map();
  for (const field in fields) {
    const bar = field.indexOf('|');
    if (bar < 0 || field.startsWith('rt:')) continue;
    const metric = field.slice(0, bar);
    let names = m.get(metric);
    if (!names) m.set(metric, (names = new Map()));
    names.set(field.slice(bar + 1), Number(fields[field]));
  }
  parsed.set(fields, m);
  return m;
}

function addInto(out: Map<string, number>, minutes: ReadonlyArray<Record<string, string>>, metric: string): Map<string, number> {
  for (const fields of minutes) for (const [name, n] of byMetric(fields).get(metric) ?? []) out.set(name, (out.get(name) ?? 0) + n);
  return out;
}

// Sums over the minutes before the last two, kept while those minute objects are the same ones (the
// evaluator re-reads only recent minutes each cycle): a cycle then adds two minutes, not the window.
const olderSums = new Map<string, { minutes: ReadonlyArray<Record<string, string>>; sums: Map<string, number> }>();

/** Sums `<metric>|<name>` over the last `windowS` seconds of minute counters, per task name. */
export function sumByName(inputs: AlertInputs, metric: string, windowS: number): Map<string, number> {
  const window = inputs.minuteCounters.slice(-Math.max(1, Math.ceil(windowS / 60)));
  const older = window.slice(0, -2);
  const key = `${metric}|${window.length}`;
  const hit = olderSums.get(key);
  const reusable = hit && hit.minutes.length === older.length && hit.minutes.every((m, i) => m === older[i]);
  const base = reusable ? hit.sums : addInto(new Map(), older, metric);
  if (!reusable) {
    if (olderSums.size > 100) olderSums.clear();
    olderSums.set(key, { minutes: older, sums: base });
  }
  return addInto(new Map(base), window.slice(-2), metric);
}

const tasksPath = (name: string, state: string) => `/tasks?name=${encodePath(name)}&state=${state}`;

export function taskFailureRate(rule: Rule, inputs: AlertInputs): Evaluation {
  const failed = sumByName(inputs, 'failed', rule.window);
  const succeeded = sumByName(inputs, 'succeeded', rule.window);
  const out: Observation[] = [];
  for (const [name, f] of failed) {
    if (!inScope(rule.scope, { task: name })) continue;
    const runs = f + (succeeded.get(name) ?? 0);
    const rate = runs > 0 ? (f / runs) * 100 : 0;
    if (runs < rule.minRuns || rate < rule.threshold) continue;
    out.push({
      subject: `task=${name}`,
      labels: { task: name },
      value: Math.round(rate * 10) / 10,
      threshold: rule.threshold,
      summary: `${fmt(rate, 1)} % of ${name} runs failed in the last ${duration(rule.window)} (${fmt(f)} of ${fmt(runs)})`,
      details: { failed: f, runs, ratePercent: Math.round(rate * 10) / 10 },
      path: tasksPath(name, 'FAILURE'),
    });
  }
  return out;
}

export function taskRetriesExhausted(rule: Rule, inputs: AlertInputs): Evaluation {
  const out: Observation[] = [];
  for (const [name, n] of sumByName(inputs, 'exhausted', rule.window)) {
    if (n <= rule.threshold || !inScope(rule.scope, { task: name })) continue;
    out.push({
      subject: `task=${name}`,
      labels: { task: name },
      value: n,
      threshold: rule.threshold,
      summary: `${fmt(n)} ${name} task${n === 1 ? '' : 's'} failed after retrying in the last ${duration(rule.window)}: the work is lost unless someone retries it`,
      details: { exhausted: n },
      path: tasksPath(name, 'FAILURE'),
    });
  }
  return out;
}

/** The seconds a task of this name may run before it counts as stuck: max(T, factor × p99). */
export function stuckAfter(rule: Rule, p99: number | null): number {
  return Math.max(rule.threshold, p99 === null ? 0 : rule.factor * p99);
}

/** One incident per task name, naming how many of its tasks are stuck and the longest. */
export function taskStuck(rule: Rule, inputs: AlertInputs): Evaluation {
  const byName = new Map<string, Array<{ id: string; elapsed: number; worker: string | null; limit: number }>>();
  for (const t of inputs.longRunning) {
    const name = t.name ?? '(unnamed)';
    if (!inScope(rule.scope, { task: name, worker: t.worker, queue: t.queue })) continue;
    const elapsed = inputs.now - t.started;
    const limit = stuckAfter(rule, t.p99);
    if (elapsed < limit) continue;
    const list = byName.get(name) ?? [];
    list.push({ id: t.id, elapsed, worker: t.worker, limit });
    byName.set(name, list);
  }
  return [...byName].map(([name, tasks]) => {
    const longest = tasks.reduce((a, b) => (b.elapsed > a.elapsed ? b : a));
    return {
      subject: `task=${name}`,
      labels: { task: name },
      value: Math.round(longest.elapsed),
      threshold: Math.round(longest.limit),
      summary: `${tasks.length} ${name} task${tasks.length === 1 ? ' has' : 's have'} been running longer than ${duration(longest.limit)} (longest ${duration(longest.elapsed)} on ${longest.worker ?? 'an unknown worker'})`,
      details: { stuck: tasks.length, longestSeconds: Math.round(longest.elapsed), longestTask: longest.id, worker: longest.worker, limitSeconds: Math.round(longest.limit) },
      path: `/tasks/${encodePath(longest.id)}`,
    };
  });
}
