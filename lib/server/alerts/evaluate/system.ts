import { status } from '../../workers/worker-doc';
import type { AlertInputs } from '../inputs';
import type { Rule } from '../rules/schema';
import { sumByName } from './tasks';
import { duration, type Evaluation } from './observation';

// Rules about Trellis' own view of the cluster: can it hear events, did it miss any, does it know
// every queue.

/** The collector published its stats within this many seconds (else nobody collects: nothing to judge). */
const COLLECTOR_ALIVE_S = 30;

export function eventsSilent(rule: Rule, inputs: AlertInputs): Evaluation {
  const c = inputs.collector;
  if (c.aliveAt === null || inputs.now - c.aliveAt > COLLECTOR_ALIVE_S) return null;
  // Workers that answer inspect are alive whatever the event stream says.
  const answering = new Set(inputs.snapshot?.views.flatMap((q) => q.consumers) ?? []);
  const sinceEvent = c.lastEventAt === null ? Infinity : inputs.now - c.lastEventAt;
  if (answering.size > 0 && sinceEvent > rule.threshold) {
    return [{
      subject: 'cluster',
      labels: {},
      value: Number.isFinite(sinceEvent) ? Math.round(sinceEvent) : null,
      threshold: rule.threshold,
      summary: `${answering.size} worker${answering.size === 1 ? '' : 's'} answer but no event arrived for ${duration(sinceEvent)}: Trellis cannot hear the event stream`,
      details: { workersAnswering: answering.size, lastEventAt: c.lastEventAt },
      path: '/workers',
    }];
  }
  // Heartbeats arrive but no task event while workers report running tasks: task events are off (-E).
  const busy = inputs.workers.filter((w) => status(w, inputs.now) === 'online' && (w.active ?? 0) > 0);
  const taskEvents = [...sumByName(inputs, 'received', rule.threshold).values(), ...sumByName(inputs, 'started', rule.threshold).values()].reduce((a, b) => a + b, 0);
  const watched = inputs.minuteCounters.length * 60 >= rule.threshold;
  if (busy.length > 0 && taskEvents === 0 && watched && c.aliveAt - (c.lastEventAt ?? 0) < rule.threshold) {
    return [{
      subject: 'cluster',
      labels: {},
      value: 0,
      threshold: rule.threshold,
      summary: `${busy.length} worker${busy.length === 1 ? ' runs' : 's run'} tasks but no task event arrived for ${duration(rule.threshold)}: task events are off (start workers with -E or set worker_send_task_events)`,
      details: { busyWorkers: busy.map((w) => w.hostname).slice(0, 10).join(', ') },
      path: '/workers',
    }];
  }
  return [];
}

export function collectorGap(rule: Rule, inputs: AlertInputs): Evaluation {
  const open = inputs.collector.openGap;
  const recent = open ?? inputs.gaps.find((g) => g.end !== null && inputs.now - g.end < rule.window);
  if (!recent) return [];
  const length = (recent.end ?? inputs.now) - recent.start;
  return [{
    subject: 'cluster',
    labels: {},
    value: Math.round(length),
    threshold: null,
    summary: recent.end === null ? `Trellis cannot observe events right now (${recent.reason}), for ${duration(length)} so far` : `Trellis could not observe events for ${duration(length)} (${recent.reason})`,
    details: { start: recent.start, end: recent.end, reason: recent.reason },
    path: '/',
  }];
}

export function discoveryIncomplete(_rule: Rule, inputs: AlertInputs): Evaluation {
  const d = inputs.discovery;
  if (d.status === 'complete') return [];
  return [{
    subject: 'cluster',
    labels: {},
    value: d.passProgress === null ? null : Math.round(d.passProgress * 100),
    threshold: null,
    summary: `Queue discovery has not covered the whole broker keyspace${d.passProgress === null ? '' : ` (about ${Math.round(d.passProgress * 100)} % of a pass)`}: a queue known only by its messages may be missing`,
    details: { passStartedAt: d.passStartedAt, lastFullPassAt: d.lastFullPassAt },
    path: '/queues',
  }];
}
