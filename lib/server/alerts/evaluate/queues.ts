import type { QueueView } from '../../queues/types';
import type { AlertInputs } from '../inputs';
import type { Rule } from '../rules/schema';
import { duration, encodePath, fmt, inScope, type Evaluation, type Observation } from './observation';

// Queue rules, from the queue list the collecting process measured last (stored snapshot).

function queuesInScope(rule: Rule, inputs: AlertInputs): QueueView[] | null {
  if (!inputs.snapshot) return null;
  return inputs.snapshot.views.filter((q) => !q.stale && inScope(rule.scope, { queue: q.name }));
}

function observe(q: QueueView, value: number | null, threshold: number | null, summary: string, details: Observation['details']): Observation {
  return { subject: `queue=${q.name}`, labels: { queue: q.name }, value, threshold, summary, details: { depth: q.depth, consumers: q.consumers.length, ...details }, path: `/queues/${encodePath(q.name)}` };
}

const hasConsumer = (q: QueueView) => q.consumers.length + q.busyConsumers.length > 0;

export function queueBacklog(rule: Rule, inputs: AlertInputs): Evaluation {
  return queuesInScope(rule, inputs)?.filter((q) => q.depth > rule.threshold).map((q) =>
    observe(q, q.depth, rule.threshold, `Queue ${q.name} has ${fmt(q.depth)} waiting messages (threshold ${fmt(rule.threshold)})`, {}),
  ) ?? null;
}

export function queueOldestAge(rule: Rule, inputs: AlertInputs): Evaluation {
  return queuesInScope(rule, inputs)?.filter((q) => (q.oldestAgeSeconds ?? 0) > rule.threshold).map((q) =>
    observe(q, q.oldestAgeSeconds, rule.threshold, `The next message of queue ${q.name} has waited ${duration(q.oldestAgeSeconds ?? 0)} (threshold ${duration(rule.threshold)})`, { oldestAgeSeconds: q.oldestAgeSeconds }),
  ) ?? null;
}

export function queueNoConsumer(rule: Rule, inputs: AlertInputs): Evaluation {
  return queuesInScope(rule, inputs)?.filter((q) => q.depth >= Math.max(1, rule.threshold) && !hasConsumer(q)).map((q) =>
    observe(q, q.depth, rule.threshold, `Queue ${q.name} has ${fmt(q.depth)} waiting messages and no consumer`, { lastConsumer: q.lastConsumer }),
  ) ?? null;
}

/** Seconds to empty the queue at its recent consume rate: 0 when empty, Infinity when nothing consumes it. */
export function drainTime(q: QueueView): number {
  if (q.depth === 0) return 0;
  const out = q.rates?.outPerSecond ?? 0;
  return out > 0 ? q.depth / out : Infinity;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

const perConsumer = (q: QueueView) => {
  const n = q.consumers.length + q.busyConsumers.length;
  return n === 0 ? (q.depth > 0 ? Infinity : 0) : q.depth / n;
};

/**
 * A queue is out of balance when it drains K × slower than the median of the queues that share its
 * workers (and slower than T), or holds K × more per consumer. A queue nobody consumes is compared
 * with every consumed queue: its drain time is infinite.
 */
export function queueImbalance(rule: Rule, inputs: AlertInputs): Evaluation {
  const all = inputs.snapshot?.views.filter((q) => !q.stale);
  const scoped = queuesInScope(rule, inputs);
  if (!all || !scoped) return null;
  // worker → the queues it consumes: a queue's peers are the other queues of its workers.
  const queuesOf = new Map<string, QueueView[]>();
  for (const q of all) {
    for (const w of new Set([...q.consumers, ...q.busyConsumers])) {
      const list = queuesOf.get(w);
      if (list) list.push(q);
      else queuesOf.set(w, [q]);
    }
  }
  const consumed = all.filter(hasConsumer);
  // Queues nobody consumes all compare with the same peers (every consumed queue): their medians once.
  let orphanMedians: { drain: number; perConsumer: number } | null = null;
  const out: Observation[] = [];
  for (const q of scoped) {
    const drain = drainTime(q);
    if (drain < rule.threshold) continue;
    const mine = [...new Set([...q.consumers, ...q.busyConsumers])];
    const peers = mine.length === 0 ? consumed.filter((p) => p.name !== q.name) : [...new Set(mine.flatMap((w) => queuesOf.get(w) ?? []))].filter((p) => p.name !== q.name);
    if (peers.length === 0) continue;
    const { drain: peerDrain, perConsumer: peerPerConsumer } =
      mine.length === 0
        ? (orphanMedians ??= { drain: median(consumed.map(drainTime)), perConsumer: median(consumed.map(perConsumer)) })
        : { drain: median(peers.map(drainTime)), perConsumer: median(peers.map(perConsumer)) };
    const slow = drain >= rule.factor * peerDrain;
    const crowded = perConsumer(q) >= rule.factor * Math.max(peerPerConsumer, 1);
    if (!slow && !crowded) continue;
    const why = slow ? `drains in ${duration(drain)} while its peers’ median is ${duration(peerDrain)}` : `holds ${fmt(perConsumer(q))} per consumer while its peers’ median is ${fmt(peerPerConsumer)}`;
    out.push(
      observe(q, Number.isFinite(drain) ? Math.round(drain) : null, rule.threshold, `Queue ${q.name} is out of balance: it ${why}`, {
        drainSeconds: Number.isFinite(drain) ? Math.round(drain) : null,
        peerMedianDrainSeconds: Number.isFinite(peerDrain) ? Math.round(peerDrain) : null,
        perConsumer: Number.isFinite(perConsumer(q)) ? Math.round(perConsumer(q)) : null,
        peerMedianPerConsumer: Number.isFinite(peerPerConsumer) ? Math.round(peerPerConsumer) : null,
        peers: peers.map((p) => p.name).slice(0, 10).join(', '),
      }),
    );
  }
  return out;
}

export function etaPileup(rule: Rule, inputs: AlertInputs): Evaluation {
  const queues = queuesInScope(rule, inputs);
  if (!queues) return null;
  const scheduled = queues.reduce((n, q) => n + q.scheduled, 0);
  if (scheduled <= rule.threshold) return [];
  const top = [...queues].sort((a, b) => b.scheduled - a.scheduled).slice(0, 5).filter((q) => q.scheduled > 0);
  return [
    {
      subject: 'cluster',
      labels: {},
      value: scheduled,
      threshold: rule.threshold,
      summary: `Workers hold ${fmt(scheduled)} ETA/countdown tasks (threshold ${fmt(rule.threshold)})`,
      details: { scheduled, topQueues: top.map((q) => `${q.name}: ${fmt(q.scheduled)}`).join(', ') },
      path: '/queues',
    },
  ];
}

export function unackedOverdue(rule: Rule, inputs: AlertInputs): Evaluation {
  const unacked = inputs.snapshot?.unacked;
  if (!unacked) return null;
  if (unacked.overdue <= rule.threshold) return [];
  return [
    {
      subject: 'cluster',
      labels: {},
      value: unacked.overdue,
      threshold: rule.threshold,
      summary: `${fmt(unacked.overdue)} messages have been unacked longer than the visibility timeout: they will be delivered again and may run twice`,
      details: { overdue: unacked.overdue, unackedTotal: unacked.total },
      path: '/queues',
    },
  ];
}

/**
 * A queue grows across the whole window while its workers consume it: each quarter of the window
 * averages more waiting messages than the one before, and every sample saw messages taken. Depth
 * samples come from the evaluator's memory (depth-history.ts), so the window restarts on handover.
 */
export function queueGrowing(rule: Rule, inputs: AlertInputs): Evaluation {
  const queues = queuesInScope(rule, inputs);
  if (!queues) return null;
  const out: Observation[] = [];
  for (const q of queues) {
    const samples = inputs.depthHistory.get(q.name)?.filter((s) => s.t >= inputs.now - rule.window) ?? [];
    const first = samples[0];
    const last = samples[samples.length - 1];
    if (!first || !last || samples.length < 8 || last.t - first.t < rule.window * 0.9) continue;
    if (!samples.every((s) => s.out > 0)) continue;
    const quarter = (i: number) => {
      const from = first.t + ((last.t - first.t) * i) / 4;
      const to = first.t + ((last.t - first.t) * (i + 1)) / 4;
      const part = samples.filter((s) => s.t >= from && (i === 3 ? s.t <= to : s.t < to));
      return part.length ? part.reduce((n, s) => n + s.depth, 0) / part.length : NaN;
    };
    const means = [0, 1, 2, 3].map(quarter);
    if (!means.every((m, i) => i === 0 || m > (means[i - 1] ?? Infinity))) continue;
    out.push(
      observe(q, last.depth - first.depth, null, `Queue ${q.name} grew from ${fmt(first.depth)} to ${fmt(last.depth)} over ${duration(last.t - first.t)} while its workers consumed it: they cannot keep up`, {
        from: first.depth,
        to: last.depth,
        outPerSecond: q.rates?.outPerSecond ?? null,
        inPerSecond: q.rates?.inPerSecond ?? null,
      }),
    );
  }
  return out;
}
