import type { TaskEvent } from '../celery/events';

// A task event as kept in the store: the event's own fields minus what the document already says
// (uuid) or what is meaningless to keep (utcoffset, pid), plus `lr`, when Trellis received it.
// Synthetic events Trellis adds itself carry `inferred: true` and a `trellis-*` type.

export interface StoredEvent {
  type: string;
  timestamp?: number;
  hostname?: string;
  clock?: number;
  lr: number;
  inferred?: boolean;
  [field: string]: unknown;
}

const DROPPED = new Set(['uuid', 'utcoffset', 'pid', 'local_received']);

export function toStoredEvent(ev: TaskEvent): StoredEvent {
  const out: StoredEvent = { type: ev.type, lr: ev.local_received };
  for (const [k, v] of Object.entries(ev)) {
    if (DROPPED.has(k) || v === null || v === undefined) continue;
    out[k] = v;
  }
  return out;
}

/** Event time for ordering and display: the sender's clock, else when we received it. */
export const eventTime = (e: StoredEvent): number => (typeof e.timestamp === 'number' ? e.timestamp : e.lr);

const TYPE_ORDER: Record<string, number> = {
  'task-sent': 0,
  'task-received': 1,
  'task-started': 2,
};

/** Events in the order they happened: sender time, then Lamport clock, then lifecycle order. */
export function sortEvents(events: readonly StoredEvent[]): StoredEvent[] {
  return [...events].sort(
    (a, b) =>
      eventTime(a) - eventTime(b) ||
      (a.hostname === b.hostname ? (a.clock ?? 0) - (b.clock ?? 0) : 0) ||
      (TYPE_ORDER[a.type] ?? 3) - (TYPE_ORDER[b.type] ?? 3),
  );
}

export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
