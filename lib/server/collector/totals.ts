import 'server-only';
import { bucketIndex, QUEUE_WAIT_BOUNDS, RUNTIME_BOUNDS } from '../metrics/buckets';
import { isLabelDimension, LabelCap, labelLimits, taskLabels, type LabelDimension, type TaskLabels } from '../metrics/label-cap';
import { ADMITTED_PREFIX, bucketField, decodeField, encodeField, eventField, MICROS, prefetchField, seriesPart, sumField, workerTaskPart } from '../metrics/totals-fields';
import type { TrellisContext } from '../context';
import type { StoreKeys } from '../store/keys';
import type { DerivedTask } from '../tasks/derive';
import { exceptionOf } from '../tasks/derive';
import { eventTime, num, type StoredEvent } from '../tasks/stored-event';
import type { WriteBatch } from '../store/write-batch';

// Cumulative counters since the store began (keys.totals), the source of the Prometheus counters and
// histograms of /metrics (lib/server/metrics/). Aggregated per flush like MinuteCounters: one HINCRBY
// per distinct field; label values pass the cardinality cap first (label-cap.ts).

const COUNTED = new Set(['task-sent', 'task-received', 'task-started', 'task-succeeded', 'task-failed', 'task-retried', 'task-revoked', 'task-rejected']);

const ENDED = new Set(['task-succeeded', 'task-failed', 'task-revoked', 'task-rejected']);

/** "ValueError('boom')" or "ValueError: boom" → "ValueError". */
export function exceptionClass(text: string | null): string {
  const m = text ? /^\s*([A-Za-z_][\w.]*)/.exec(text) : null;
  return m?.[1] ?? 'unknown';
}

const etaSeconds = (eta: string | null): number | null => {
  const t = eta ? Date.parse(eta) : NaN;
  return Number.isFinite(t) ? t / 1000 : null;
};

/** A capped label set with its encoded field parts, built once per label set (not per event). */
interface Parts {
  labels: TaskLabels;
  series: string;
  workerTask: string;
}

export class Totals {
  private readonly increments = new Map<string, number>();
  private readonly assigned = new Map<string, string>();
  private readonly parts = new WeakMap<TaskLabels, Parts>();

  constructor(private readonly cap: LabelCap) {}

  /** Counts one event of a task, as the task stands after this flush's events. */
  add(event: StoredEvent, task: DerivedTask): void {
    const type = event.type;
    if (!COUNTED.has(type)) return;
    const p = this.partsOf(task.name ?? 'unknown', event.hostname ?? 'unknown', task.queue ?? task.routingKey ?? 'celery');
    const exception = type === 'task-failed' ? this.label('exception', exceptionClass(exceptionOf(event))) : '';
    this.bump(eventField(type, p.series, exception));
    if (type === 'task-failed' && task.retries > 0) this.bump(encodeField({ kind: 'exhausted', name: p.labels.name }));

    const runtime = num(event.runtime);
    if (type === 'task-succeeded' && runtime !== null) this.observe('runtime', p.series, runtime);

    const at = eventTime(event);
    if (type === 'task-started' && task.sent !== null) {
      // celery-exporter's queue wait: excludes a deliberate ETA/countdown delay; clock skew clamps to 0.
      const baseline = Math.max(task.sent, etaSeconds(task.eta) ?? -Infinity);
      this.observe('wait', p.series, Math.max(0, at - baseline));
    }
    if (task.eta !== null) return;
    // Flower's prefetch gauges, per worker and task, for tasks without an ETA.
    if (type === 'task-received') this.bump(prefetchField('prefetchIn', p.workerTask));
    if (type === 'task-started' && task.received !== null) {
      this.bump(prefetchField('prefetchOut', p.workerTask));
      this.assigned.set(prefetchField('prefetchTime', p.workerTask), String(Math.max(0, at - task.received)));
    }
    if (type === 'task-succeeded' || type === 'task-failed') this.assigned.set(prefetchField('prefetchTime', p.workerTask), '0');
    // Received here and ended without starting (revoked, rejected): no longer prefetched either.
    if (ENDED.has(type) && task.received !== null && task.started === null) this.bump(prefetchField('prefetchOut', p.workerTask));
  }

  get size(): number {
    return this.increments.size + this.assigned.size;
  }

  write(batch: WriteBatch, keys: StoreKeys): void {
    // Pure: a retried write (same prepared flush) queues the very same commands.
    if (this.assigned.size > 0) batch.hset(keys.totals, Object.fromEntries(this.assigned));
    for (const [field, n] of this.increments) batch.hincrby(keys.totals, field, n);
  }

  private partsOf(name: string, hostname: string, queue: string): Parts {
    const labels = taskLabels(this.cap, name, hostname, queue);
    this.storeAdmissions();
    let p = this.parts.get(labels);
    if (!p) this.parts.set(labels, (p = { labels, series: seriesPart(labels.name, labels.hostname, labels.queue), workerTask: workerTaskPart(labels.hostname, labels.name) }));
    return p;
  }

  /** The capped label; a value admitted now is stored with this flush (so the bound holds in the store). */
  private label(dim: LabelDimension, value: string): string {
    const label = this.cap.label(dim, value);
    this.storeAdmissions();
    return label;
  }

  private storeAdmissions(): void {
    for (const [dimension, admitted] of this.cap.takeFresh()) this.assigned.set(encodeField({ kind: 'admitted', dimension, value: admitted }), '1');
  }

  private observe(kind: 'runtime' | 'wait', series: string, seconds: number): void {
    this.bump(bucketField(kind, series, bucketIndex(kind === 'runtime' ? RUNTIME_BOUNDS : QUEUE_WAIT_BOUNDS, seconds)));
    this.bump(sumField(kind === 'runtime' ? 'runtimeSum' : 'waitSum', series), Math.round(seconds * MICROS));
  }

  private bump(field: string, n = 1): void {
    this.increments.set(field, (this.increments.get(field) ?? 0) + n);
  }
}

/** The label values admitted so far, read from the totals hash (HSCAN of the admission fields only). */
export async function loadLabelCap(ctx: TrellisContext): Promise<LabelCap> {
  const stored: Array<[LabelDimension, string]> = [];
  let cursor = '0';
  do {
    const [next, flat] = await ctx.store.hscan(ctx.keys.totals, cursor, 'MATCH', `${ADMITTED_PREFIX}*`, 'COUNT', 1_000);
    cursor = next;
    for (let i = 0; i < flat.length; i += 2) {
      const f = decodeField(flat[i] ?? '');
      if (f?.kind === 'admitted' && isLabelDimension(f.dimension)) stored.push([f.dimension, f.value]);
    }
  } while (cursor !== '0');
  return new LabelCap(labelLimits(ctx.config.metrics.taskNames), stored);
}
