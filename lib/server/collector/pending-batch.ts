import 'server-only';
import type { WorkerEvent } from '../celery/events';
import type { StoredEvent } from '../tasks/stored-event';

// Events received since the last flush, grouped by task so one flush writes each task once. Bounded
// by the collector in events and in bytes (the raw size they arrived as).

export class PendingBatch {
  tasks = new Map<string, StoredEvent[]>();
  workers: WorkerEvent[] = [];
  size = 0;
  bytes = 0;

  addTask(id: string, ev: StoredEvent): void {
    const list = this.tasks.get(id);
    if (list) list.push(ev);
    else this.tasks.set(id, [ev]);
    this.size++;
  }

  addWorker(ev: WorkerEvent): void {
    this.workers.push(ev);
    this.size++;
  }

  /** Removes the first `maxTasks` tasks (in arrival order) and every worker event: one flush's worth. */
  take(maxTasks: number): PendingBatch {
    const out = new PendingBatch();
    if (this.tasks.size <= maxTasks) {
      Object.assign(out, { tasks: this.tasks, workers: this.workers, size: this.size, bytes: this.bytes });
      this.tasks = new Map();
      this.workers = [];
      this.size = 0;
      this.bytes = 0;
      return out;
    }
    for (const [id, evs] of this.tasks) {
      if (out.tasks.size >= maxTasks) break;
      out.tasks.set(id, evs);
      this.tasks.delete(id);
      out.size += evs.length;
    }
    out.workers = this.workers;
    out.size += this.workers.length;
    this.workers = [];
    this.size -= out.size;
    out.bytes = this.size + out.size > 0 ? Math.round((this.bytes * out.size) / (this.size + out.size)) : 0;
    this.bytes -= out.bytes;
    return out;
  }

  /** Puts a batch whose flush could not even be prepared back in front, keeping per-task order. */
  prepend(earlier: PendingBatch): void {
    for (const [id, evs] of this.tasks) {
      const before = earlier.tasks.get(id);
      earlier.tasks.set(id, before ? before.concat(evs) : evs);
    }
    this.tasks = earlier.tasks;
    this.workers = earlier.workers.concat(this.workers);
    this.size += earlier.size;
    this.bytes += earlier.bytes;
  }
}
