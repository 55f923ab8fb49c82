import 'server-only';
import type { UpdateNotice } from '@/lib/schemas/api';
import type { TrellisContext } from '../context';
import { toSummary } from '../tasks/derive';
import { eventTime } from '../tasks/stored-event';
import { applyWorkerEvent, newWorkerDoc, parseWorkerDoc, type WorkerDoc } from '../workers/worker-doc';
import { MinuteCounters } from './counters';
import type { Fence } from './fence';
import type { IngestStats } from './ingest-stats';
import type { PendingBatch } from './pending-batch';
import { TaskWriter, type PreparedTask } from './task-writer';
import { loadLabelCap, Totals } from './totals';
import type { LabelCap } from '../metrics/label-cap';

// One flush = one pipelined read of the task documents the cache lacks, then one fenced write with
// everything (documents, index moves, counters, worker records, the live-update notice). Preparing
// and applying are separate so a flush whose write failed is retried with the very same commands and
// once-id: applied at most once, whatever happened to the reply. In-memory state is committed only
// after the write succeeded.

const NOTICE_TASKS = 50;

export interface PreparedFlush {
  tasks: PreparedTask[];
  workers: Map<string, WorkerDoc>;
  counters: MinuteCounters;
  totals: Totals;
  timestamps: number[];
  events: number;
}

export class Flusher {
  private readonly writer: TaskWriter;
  private workers = new Map<string, WorkerDoc>();
  /** The metrics labels admitted so far (read once per term: another process may have admitted more). */
  private labelCap: LabelCap | null = null;

  constructor(
    private readonly ctx: TrellisContext,
    private readonly stats: IngestStats,
  ) {
    this.writer = new TaskWriter(ctx);
  }

  async loadWorkers(): Promise<void> {
    const all = await this.ctx.store.hgetall(this.ctx.keys.workers);
    this.workers = new Map();
    for (const raw of Object.values(all)) {
      const doc = parseWorkerDoc(raw);
      if (doc) this.workers.set(doc.hostname, doc);
    }
  }

  forget(taskIds: Iterable<string>): void {
    this.writer.forget(taskIds);
    this.writer.forgetRegistrations();
  }

  forgetWorkers(hostnames: Iterable<string>): void {
    for (const h of hostnames) this.workers.delete(h);
  }

  async prepare(batch: PendingBatch): Promise<PreparedFlush> {
    const tasks = await this.writer.prepare(batch.tasks);
    this.labelCap ??= await loadLabelCap(this.ctx);
    const timestamps: number[] = [];
    for (const p of tasks) for (const ev of batch.tasks.get(p.id) ?? []) timestamps.push(eventTime(ev));
    const workers = new Map<string, WorkerDoc>();
    for (const ev of batch.workers) {
      const before = workers.get(ev.hostname) ?? this.workers.get(ev.hostname) ?? newWorkerDoc(ev.hostname, ev.local_received);
      workers.set(ev.hostname, applyWorkerEvent(before, ev));
      timestamps.push(ev.timestamp ?? ev.local_received);
    }
    return { tasks, workers, timestamps, events: batch.size, ...countersOf(batch, tasks, this.labelCap) };
  }

  /** The fenced write of a prepared flush; `onceId` makes a retry of it a no-op once it was applied. */
  async apply(flush: PreparedFlush, fence: Fence, onceId: string): Promise<void> {
    const batch = fence.batch();
    this.writer.write(batch, flush.tasks);
    flush.counters.write(batch, this.ctx.keys, this.ctx.config.retention.maxAgeSeconds + 86_400);
    flush.totals.write(batch, this.ctx.keys);
    if (flush.workers.size > 0) batch.hset(this.ctx.keys.workers, Object.fromEntries([...flush.workers].map(([h, d]) => [h, JSON.stringify(d)])));
    const notice: UpdateNotice = {
      at: Date.now() / 1000,
      tasks: flush.tasks.slice(-NOTICE_TASKS).map((p) => toSummary(p.task)),
      more: Math.max(0, flush.tasks.length - NOTICE_TASKS),
      workers: [...flush.workers.keys()],
    };
    batch.publish(this.ctx.keys.updatesChannel, JSON.stringify(notice));
    await fence.write(batch, onceId);
    this.writer.commit(flush.tasks);
    for (const [h, d] of flush.workers) this.workers.set(h, d);
    this.stats.stored(flush.timestamps, Date.now() / 1000);
  }
}

function countersOf(batch: PendingBatch, tasks: readonly PreparedTask[], cap: LabelCap): { counters: MinuteCounters; totals: Totals } {
  const counters = new MinuteCounters();
  const totals = new Totals(cap);
  for (const p of tasks) {
    for (const ev of batch.tasks.get(p.id) ?? []) {
      if (ev.inferred) continue;
      counters.add(ev, p.task.name, p.task.retries > 0);
      totals.add(ev, p.task);
    }
  }
  return { counters, totals };
}
