import 'server-only';
import type { CounterMetric } from '@/lib/schemas/api';
import { runtimeBucket } from '@/lib/runtime-buckets';
import type { StoreKeys } from '../store/keys';
import { eventTime, num, type StoredEvent } from '../tasks/stored-event';
import type { WriteBatch } from '../store/write-batch';

// Per-minute counters for charts: one hash per minute, fields `<metric>`, `<metric>|<task name>`
// and `rt:<bucket>`, `rt:<bucket>|<task name>` (runtime histogram of successful runs), plus `exhausted` / `exhausted|<name>`: a
// task-failed of a task that had retried (its retries were exhausted; the retries-exhausted alert). Aggregated per flush, so a flush costs
// one HINCRBY per distinct (minute, field), not one per event.

const METRIC_OF: Record<string, CounterMetric> = {
  'task-sent': 'sent',
  'task-received': 'received',
  'task-started': 'started',
  'task-succeeded': 'succeeded',
  'task-failed': 'failed',
  'task-retried': 'retried',
  'task-revoked': 'revoked',
  'task-rejected': 'rejected',
};

function bump(fields: Map<string, number>, field: string): void {
  fields.set(field, (fields.get(field) ?? 0) + 1);
}

export class MinuteCounters {
  private readonly counts = new Map<number, Map<string, number>>();

  /** `retried`: the task retried before (its log holds a retry), so a failure means retries exhausted. */
  add(event: StoredEvent, taskName: string | null, retried = false): void {
    const metric = METRIC_OF[event.type];
    if (!metric) return;
    const minute = Math.floor(eventTime(event) / 60);
    let fields = this.counts.get(minute);
    if (!fields) this.counts.set(minute, (fields = new Map()));
    bump(fields, metric);
    if (taskName) bump(fields, `${metric}|${taskName}`);
    const runtime = num(event.runtime);
    if (metric === 'succeeded' && runtime !== null) {
      const b = runtimeBucket(runtime);
      bump(fields, `rt:${b}`);
      if (taskName) bump(fields, `rt:${b}|${taskName}`);
    }
    if (metric === 'failed' && retried) {
      bump(fields, 'exhausted');
      if (taskName) bump(fields, `exhausted|${taskName}`);
    }
  }

  get size(): number {
    return this.counts.size;
  }

  /** Queues the increments; each minute hash expires after the retention age plus a day. */
  write(pipeline: WriteBatch, keys: StoreKeys, ttlSeconds: number): void {
    for (const [minute, fields] of this.counts) {
      const key = keys.minute(minute);
      for (const [field, n] of fields) pipeline.hincrby(key, field, n);
      pipeline.expire(key, ttlSeconds);
    }
  }
}
