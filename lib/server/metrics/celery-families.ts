import 'server-only';
import { status } from '../workers/worker-doc';
import { HistogramSum, SampleSum } from './aggregate';
import { QUEUE_WAIT_BOUNDS, RUNTIME_BOUNDS } from './buckets';
import type { MetricsState } from './read-state';
import type { Exposition, Labels } from './exposition';
import { MICROS } from './totals-fields';

// celery-exporter's families with its names, types, labels and buckets, so celery-mixin's dashboards
// and alerts work unchanged. Unlike the exporter, every replica answers the same (the store's totals).

const EVENT_COUNTERS: Record<string, string> = {
  'task-sent': 'Sent when a task message is published.',
  'task-received': 'Sent when the worker receives a task.',
  'task-started': 'Sent just before the worker executes the task.',
  'task-succeeded': 'Sent if the task executed successfully.',
  'task-failed': 'Sent if the execution of the task failed.',
  'task-rejected': 'The task was rejected by the worker, possibly to be re-queued or moved to a dead letter queue.',
  'task-revoked': 'Sent if the task has been revoked.',
  'task-retried': 'Sent if the task failed, but will be retried in the future.',
};

const TASK_LABELS = ['name', 'hostname', 'queue_name'] as const;
const WORKER_PURGE_S = 600;

export function registerCeleryFamilies(out: Exposition, state: MetricsState): void {
  const counters = new Map(Object.keys(EVENT_COUNTERS).map((t) => [t, new SampleSum()]));
  const runtime = new HistogramSum();
  const wait = new HistogramSum();
  for (const { field: f, value } of state.totals) {
    if (f.kind === 'event') {
      const labels: Labels = f.type === 'task-failed' ? { name: f.name, hostname: f.hostname, exception: f.exception, queue_name: f.queue } : { name: f.name, hostname: f.hostname, queue_name: f.queue };
      counters.get(f.type)?.add(labels, value);
    } else if (f.kind === 'runtime' || f.kind === 'wait') {
      (f.kind === 'runtime' ? runtime : wait).addBucket({ name: f.name, hostname: f.hostname, queue_name: f.queue }, f.bucket, value);
    } else if (f.kind === 'runtimeSum' || f.kind === 'waitSum') {
      (f.kind === 'runtimeSum' ? runtime : wait).addSum({ name: f.name, hostname: f.hostname, queue_name: f.queue }, value / MICROS);
    }
  }
  // As celery-exporter does: a task seen at a worker shows every counter of its labels, at 0 until
  // it happens (task-sent aside: its hostname is the client's), so increase() sees the first one.
  const seenAtWorker = new Map<string, { name: string; hostname: string; queue_name: string }>();
  for (const { field: f } of state.totals) {
    if (f.kind === 'event' && f.type !== 'task-sent') seenAtWorker.set(`${f.name}\u0000${f.hostname}\u0000${f.queue}`, { name: f.name, hostname: f.hostname, queue_name: f.queue });
  }
  for (const labels of seenAtWorker.values()) {
    for (const [type, sum] of counters) if (type !== 'task-sent') sum.add(type === 'task-failed' ? { name: labels.name, hostname: labels.hostname, exception: '', queue_name: labels.queue_name } : labels, 0);
  }
  for (const [type, help] of Object.entries(EVENT_COUNTERS)) {
    const labelNames = type === 'task-failed' ? ['name', 'hostname', 'exception', 'queue_name'] : TASK_LABELS;
    out.counter({ name: `celery_task_${type.slice(5)}_total`, help, labelNames }, counters.get(type)?.samples() ?? []);
  }
  out.histogram({ name: 'celery_task_runtime', help: 'Histogram of task runtime measurements.', labelNames: TASK_LABELS }, RUNTIME_BOUNDS, runtime.all());
  out.histogram({ name: 'celery_task_queue_wait_time', help: 'Histogram of the time tasks spend waiting in the queue before being executed, excluding deliberate ETA/countdown delay.', labelNames: TASK_LABELS },
    QUEUE_WAIT_BOUNDS,
    wait.all(),
  );

  // As celery-exporter (purge_offline_worker_metrics, 10 min): a worker silent that long leaves the
  // worker gauges, so a decommissioned worker does not stay "down" until Trellis prunes its record.
  const workers = state.workers.filter((w) => state.now - w.lastReceived <= WORKER_PURGE_S);
  out.gauge({ name: 'celery_worker_up', help: 'Indicates if a worker has recently sent a heartbeat.', labelNames: ['hostname'] },
    workers.map((w) => ({ labels: { hostname: w.hostname }, value: status(w, state.now) === 'online' ? 1 : 0 })),
  );
  out.gauge({ name: 'celery_worker_tasks_active', help: 'The number of tasks the worker is currently processing', labelNames: ['hostname'] },
    workers.map((w) => ({ labels: { hostname: w.hostname }, value: status(w, state.now) === 'online' ? (w.active ?? 0) : 0 })),
  );

  const queues = state.snapshot?.views ?? [];
  const perQueue = (name: string, help: string, of: (q: (typeof queues)[number]) => number) =>
    out.gauge({ name, help, labelNames: ['queue_name'] }, queues.map((q) => ({ labels: { queue_name: q.name }, value: of(q) })));
  perQueue('celery_queue_length', 'The number of message in broker queue.', (q) => q.depth);
  perQueue('celery_active_consumer_count', 'The number of active consumer in broker queue.', (q) => q.consumers.length);
  perQueue('celery_active_worker_count', 'The number of active workers in broker queue.', (q) => q.consumers.length);
}
