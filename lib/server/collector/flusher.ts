import 'server-only';
import type { UpdateNotice } from '@/lib/schemas/api';
import type { TrellisContext } from '../context';
import { toSummary } from '../tasks/derive';
import { eventTime } from '../tasks/stored-event';
import { applyWorkerEvent, newWorkerDoc, parseWorkerDoc, type WorkerDoc } from '../workers/worker-doc';
import { MinuteCounters } from './counters';
import type { IngestStats } from './ingest-stats';
import type { PendingBatch } from './pending-batch';
import { TaskWriter } from './task-writer';

// One flush = at most two round trips whatever the batch size: a pipelined read of the task
// documents the cache lacks, and one pipeline with every write (documents, index moves, counters,
// worker records) plus the live-update notice. State is committed in memory only after the writes
// succeeded, so a failed flush can simply be retried.

const NOTICE_TASKS = 50;

export class Flusher {
  private readonly writer: TaskWriter;
  private workers = new Map<string, WorkerDoc>();

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

  async flush(batch: PendingBatch): Promise<void> {
    const prepared = await this.writer.prepare(batch.tasks);
    const pipe = this.ctx.store.pipeline();
    this.writer.write(pipe, prepared);

    const counters = new MinuteCounters();
    const timestamps: number[] = [];
    for (const p of prepared) {
      for (const ev of batch.tasks.get(p.id) ?? []) {
        if (!ev.inferred) counters.add(ev, p.task.name);
        timestamps.push(eventTime(ev));
      }
    }
    counters.write(pipe, this.ctx.keys, this.ctx.config.retention.maxAgeSeconds + 86_400);

    const changedWorkers = new Map<string, WorkerDoc>();
    for (const ev of batch.workers) {
      const before = changedWorkers.get(ev.hostname) ?? this.workers.get(ev.hostname) ?? newWorkerDoc(ev.hostname, ev.local_received);
      changedWorkers.set(ev.hostname, applyWorkerEvent(before, ev));
      timestamps.push(ev.timestamp ?? ev.local_received);
    }
    if (changedWorkers.size > 0) {
      pipe.hset(this.ctx.keys.workers, Object.fromEntries([...changedWorkers].map(([h, d]) => [h, JSON.stringify(d)])));
    }

    const now = Date.now() / 1000;
    const notice: UpdateNotice = {
      at: now,
      tasks: prepared.slice(-NOTICE_TASKS).map((p) => toSummary(p.task)),
      more: Math.max(0, prepared.length - NOTICE_TASKS),
      workers: [...changedWorkers.keys()],
    };
    pipe.publish(this.ctx.keys.updatesChannel, JSON.stringify(notice));

    try {
      const results = (await pipe.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0];
    } catch (err) {
      this.writer.forget(batch.tasks.keys());
      this.writer.forgetRegistrations();
      throw err;
    }
    this.writer.commit(prepared);
    for (const [h, d] of changedWorkers) this.workers.set(h, d);
    this.stats.stored(timestamps, Date.now() / 1000);
  }
}
