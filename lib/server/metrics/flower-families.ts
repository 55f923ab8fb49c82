import 'server-only';
import { status } from '../workers/worker-doc';
import { HistogramSum, SampleSum } from './aggregate';
import { RUNTIME_BOUNDS } from './buckets';
import type { MetricsState } from './read-state';
import type { Exposition } from './exposition';
import { MICROS } from './totals-fields';

// Flower's families with its names and labels (worker, type, task), so Flower's example Grafana
// dashboard and alert rules work unchanged: sums of the finer stored totals.

export function registerFlowerFamilies(out: Exposition, state: MetricsState): void {
  const events = new SampleSum();
  const runtime = new HistogramSum();
  const prefetchTime = new SampleSum();
  const prefetched = new SampleSum();
  for (const { field: f, value } of state.totals) {
    switch (f.kind) {
      case 'event':
        events.add({ worker: f.hostname, type: f.type, task: f.name }, value);
        break;
      case 'runtime':
        runtime.addBucket({ worker: f.hostname, task: f.name }, f.bucket, value);
        break;
      case 'runtimeSum':
        runtime.addSum({ worker: f.hostname, task: f.name }, value / MICROS);
        break;
      case 'prefetchTime':
        prefetchTime.add({ worker: f.hostname, task: f.name }, value);
        break;
      case 'prefetchIn':
      case 'prefetchOut':
        prefetched.add({ worker: f.hostname, task: f.name }, f.kind === 'prefetchIn' ? value : -value);
        break;
    }
  }
  out.counter({ name: 'flower_events_total', help: 'Number of events', labelNames: ['worker', 'type', 'task'] }, events.samples());
  out.histogram({ name: 'flower_task_runtime_seconds', help: 'Task runtime', labelNames: ['worker', 'task'] }, RUNTIME_BOUNDS, runtime.all());
  out.gauge({ name: 'flower_task_prefetch_time_seconds', help: 'The time the task spent waiting at the celery worker to be executed.', labelNames: ['worker', 'task'] },
    prefetchTime.samples(),
  );
  // Received minus started (tasks without ETA): lost events can skew it, never below zero.
  out.gauge({ name: 'flower_worker_prefetched_tasks', help: 'Number of tasks of given type prefetched at a worker', labelNames: ['worker', 'task'] },
    prefetched.samples().map((s) => ({ ...s, value: Math.max(0, s.value) })),
  );
  out.gauge({ name: 'flower_worker_online', help: 'Worker online status', labelNames: ['worker'] },
    state.workers.map((w) => ({ labels: { worker: w.hostname }, value: status(w, state.now) === 'online' ? 1 : 0 })),
  );
  out.gauge({ name: 'flower_worker_number_of_currently_executing_tasks', help: 'Number of tasks currently executing at a worker', labelNames: ['worker'] },
    state.workers.map((w) => ({ labels: { worker: w.hostname }, value: w.active ?? 0 })),
  );
}
