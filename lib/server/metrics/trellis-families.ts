import 'server-only';
import { z } from 'zod';
import { SampleSum } from './aggregate';
import type { MetricsState } from './read-state';
import type { Exposition, Sample } from './exposition';
import type { QueueView } from '../queues/types';

// Trellis' own families (`trellis_` prefix): what celery-exporter and Flower cannot tell — queue
// depth per priority band, unacked, scheduled, consumers, oldest age, drain time, alerts firing,
// retries exhausted, and the collector's own health.

/** A collector that published stats within this many seconds is up (as /api/v1/health judges). */
const ALIVE_WITHIN_S = 5;

const Incident = z.looseObject({ state: z.string(), ruleId: z.string(), severity: z.string() });

function firingAlerts(raws: readonly string[]): Sample[] {
  const firing = new SampleSum();
  for (const raw of raws) {
    try {
      const parsed = Incident.safeParse(JSON.parse(raw));
      if (parsed.success && parsed.data.state === 'firing') firing.add({ rule: parsed.data.ruleId, severity: parsed.data.severity }, 1);
    } catch {
      // a value this version cannot read is not counted
    }
  }
  return firing.samples();
}

function queueGauges(out: Exposition, queues: readonly QueueView[]): void {
  const gauge = (name: string, help: string, of: (q: QueueView) => number | null) =>
    out.gauge({ name, help, labelNames: ['queue'] },
      queues.flatMap((q) => {
        const v = of(q);
        return v === null ? [] : [{ labels: { queue: q.name }, value: v }];
      }),
    );
  out.gauge({ name: 'trellis_queue_depth', help: 'Waiting messages per queue and priority band (0 = highest priority on Redis).', labelNames: ['queue', 'priority'] },
    queues.flatMap((q) => q.bands.map((b) => ({ labels: { queue: q.name, priority: String(b.step) }, value: b.depth }))),
  );
  gauge('trellis_queue_unacked', 'Messages delivered to a worker and not yet acknowledged.', (q) => q.unacked);
  gauge('trellis_queue_scheduled', 'ETA/countdown tasks a worker holds for the queue.', (q) => q.scheduled);
  gauge('trellis_queue_reserved', 'Tasks prefetched by a worker, not running yet.', (q) => q.reserved);
  gauge('trellis_queue_consumers', 'Workers consuming the queue.', (q) => q.consumers.length);
  gauge('trellis_queue_oldest_age_seconds', 'Age of the next message to run (absent when empty or unknown).', (q) => q.oldestAgeSeconds);
  gauge('trellis_queue_drain_seconds', 'Seconds until empty at the current net rate (absent when not draining).', (q) => q.drainSeconds);
}

export function registerTrellisFamilies(out: Exposition, state: MetricsState): void {
  const snap = state.snapshot;
  queueGauges(out, snap?.views ?? []);
  out.gauge({ name: 'trellis_unacked_messages', help: 'Entries in the broker\'s unacked hash (all queues).', labelNames: [] }, snap ? [{ labels: {}, value: snap.unacked.total }] : []);
  out.gauge({ name: 'trellis_queue_snapshot_age_seconds', help: 'Age of the queue measurements served.', labelNames: [] },
    snap ? [{ labels: {}, value: Math.max(0, state.now - snap.sampledAt) }] : [],
  );

  const exhausted = new SampleSum();
  for (const { field, value } of state.totals) if (field.kind === 'exhausted') exhausted.add({ name: field.name }, value);
  out.counter({ name: 'trellis_task_retries_exhausted_total', help: 'Task failures after at least one retry (retries exhausted).', labelNames: ['name'] }, exhausted.samples());
  out.gauge({ name: 'trellis_alerts_firing', help: 'Incidents firing, by rule and severity.', labelNames: ['rule', 'severity'] }, firingAlerts(state.alerts));

  const c = state.collector;
  const up = state.leaseHeld && c.aliveAt !== null && state.now - c.aliveAt < ALIVE_WITHIN_S;
  const one = (name: string, help: string, value: number | null, kind: 'gauge' | 'counter' = 'gauge') =>
    out[kind]({ name, help, labelNames: [] }, value === null ? [] : [{ labels: {}, value }]);
  one('trellis_collector_up', '1 when a collecting process is alive (it holds the lease and published stats within 5 s).', up ? 1 : 0);
  one('trellis_collector_events_per_second', 'Events stored per second (recent).', up ? (c.eventsPerSecond ?? 0) : 0);
  // Two gauges, not a `quantile` label: that label is reserved for summaries.
  one('trellis_collector_lag_p50_seconds', 'Median delay from an event being sent to it being stored (recent).', c.lagP50);
  one('trellis_collector_lag_p99_seconds', '99th percentile delay from an event being sent to it being stored (recent).', c.lagP99);
  one('trellis_collector_backlog_bytes', 'Event messages read from the broker and not yet stored (bytes).', c.backlogBytes ?? 0);
  one('trellis_collector_backlog_messages', 'Event messages read from the broker and not yet stored.', c.backlogMessages ?? 0);
  one('trellis_collector_gap_open', '1 while an observation gap is open (events may be missed now).', c.openGap ? 1 : 0);
  one('trellis_collector_gaps_recorded', 'Observation gaps recorded (closed ones kept, capped at 1,000).', state.gapsRecorded);
  // The collecting process's own counts: they restart from 0 at a handover (a counter reset rate() handles).
  one('trellis_collector_events_total', 'Events the current collecting process has read.', c.eventsTotal ?? 0, 'counter');
  one('trellis_collector_malformed_total', 'Malformed event messages the current collecting process has seen.', c.malformedTotal ?? 0, 'counter');
  one('trellis_collector_dropped_messages_total', 'Event messages the current collecting process dropped over its backlog limit.', c.droppedMessages ?? 0, 'counter');
}
