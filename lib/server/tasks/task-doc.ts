import type { StoredEvent } from './stored-event';

// The stored task document: its event log (capped) and how many events the cap dropped.
// Everything else about a task (state, worker, attempts…) is derived from the log on read,
// so out-of-order arrival never leaves a stale field behind.

export const MAX_EVENTS_PER_TASK = 500;

export interface TaskDoc {
  e: StoredEvent[];
  /** Events dropped by the cap (oldest attempts' middle events go first). */
  n?: number;
}

export function parseTaskDoc(raw: string | null | undefined): TaskDoc | null {
  if (!raw) return null;
  try {
    const doc = JSON.parse(raw) as TaskDoc;
    return Array.isArray(doc.e) ? doc : null;
  } catch {
    return null;
  }
}

/** Appends events, keeping the first events (how the task began) and the newest ones under the cap. */
export function appendEvents(doc: TaskDoc, events: readonly StoredEvent[]): TaskDoc {
  const all = doc.e.concat(events);
  if (all.length <= MAX_EVENTS_PER_TASK) return { e: all, n: doc.n };
  const head = 20;
  const dropped = all.length - MAX_EVENTS_PER_TASK;
  return { e: all.slice(0, head).concat(all.slice(head + dropped)), n: (doc.n ?? 0) + dropped };
}
