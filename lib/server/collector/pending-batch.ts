import 'server-only';
import type { WorkerEvent } from '../celery/events';
import type { StoredEvent } from '../tasks/stored-event';

// Events received since the last flush, grouped by task so one flush writes each task once.

export class PendingBatch {
  tasks = new Map<string, StoredEvent[]>();
  workers: WorkerEvent[] = [];
  size = 0;

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

  /** Puts a failed batch back in front of what arrived since, keeping per-task order. */
  prepend(earlier: PendingBatch): void {
    for (const [id, evs] of this.tasks) {
      const before = earlier.tasks.get(id);
      earlier.tasks.set(id, before ? before.concat(evs) : evs);
    }
    this.tasks = earlier.tasks;
    this.workers = earlier.workers.concat(this.workers);
    this.size += earlier.size;
  }
}
