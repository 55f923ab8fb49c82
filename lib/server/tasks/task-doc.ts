import type { StoredEvent } from './stored-event';

// The stored task document: its event log (capped) and how many events the cap dropped.
// Everything else about a task (state, worker, attempts…) is derived from the log on read, so
// out-of-order arrival never leaves a stale field behind.
//
// In Redis, events use short keys and type codes; `root_id` equal to the task's own id is written
// as 1; times are microseconds after the document's base time (receive time: milliseconds after the
// event's own); a hostname is written only when it differs from the previous event's. About 40 %
// of the plain form, for the ≤ 1 KB-per-task budget (docs/adr/0005). Lossless to the microsecond.

export const MAX_EVENTS_PER_TASK = 500;

export interface TaskDoc {
  e: StoredEvent[];
  /** Events dropped by the cap. */
  n?: number;
}

const KEY_CODES: Record<string, string> = {
  type: 't',
  timestamp: 'ts',
  hostname: 'h',
  clock: 'c',
  name: 'n',
  args: 'a',
  kwargs: 'k',
  root_id: 'ro',
  parent_id: 'pa',
  retries: 're',
  eta: 'et',
  expires: 'ex',
  queue: 'q',
  exchange: 'xc',
  routing_key: 'rk',
  result: 'rs',
  runtime: 'rt',
  exception: 'e',
  traceback: 'tb',
  terminated: 'tm',
  signum: 'sg',
  expired: 'xp',
  requeue: 'rq',
  inferred: 'i',
  state: 's',
};
const TYPE_CODES: Record<string, string> = {
  'task-sent': 'S',
  'task-received': 'R',
  'task-started': 'B',
  'task-succeeded': 'O',
  'task-failed': 'F',
  'task-retried': 'Y',
  'task-revoked': 'X',
  'task-rejected': 'J',
  'task-cancelled': 'C',
  'trellis-reconciled': 'I',
};
const invert = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k]));
const KEY_NAMES = invert(KEY_CODES);
const TYPE_NAMES = invert(TYPE_CODES);
// Keys of the compact form that are not codes: escaped so an unknown field can never be misread.
const ESCAPE = '_';

interface Context {
  id: string;
  /** Base time of the document: event times are stored as microseconds after it. */
  base: number;
  /** Hostname of the previous event in the array: an event from the same host omits it. */
  host: string | undefined;
  /** name/args/kwargs of the previous task-sent/received: Celery repeats them on every one. */
  repeated: Record<string, unknown>;
}

// Fields every task-sent/task-received carries, often equal to the previous one's.
const REPEATED = ['name', 'args', 'kwargs'] as const;
const CARRIES_REPEATED = new Set(['task-sent', 'task-received']);

function encodeEvent(e: StoredEvent, c: Context): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const carries = CARRIES_REPEATED.has(e.type);
  // for…in, not Object.entries: this runs for every event of every task written (no array per event).
  for (const k in e) {
    const v = e[k];
    if (k === 'lr' || k === 'timestamp' || k === 'hostname') continue;
    if (k === 'type') out.t = TYPE_CODES[e.type] ?? e.type;
    else if (k === 'root_id' && v === c.id) out.ro = 1;
    else if (k === 'retries' && v === 0 && carries) continue;
    else if (k === 'routing_key' && v === e.queue) out.rk = 1;
    else if (carries && (REPEATED as readonly string[]).includes(k) && c.repeated[k] === v) continue;
    else out[KEY_CODES[k] ?? ESCAPE + k] = v;
  }
  if (carries) for (const k of REPEATED) if (e[k] !== undefined) c.repeated[k] = e[k];
  if (e.hostname !== c.host) out.h = e.hostname ?? 0;
  c.host = e.hostname;
  if (typeof e.timestamp === 'number') {
    const d = Math.round((e.timestamp - c.base) * 1e6);
    if (d !== 0) out.d = d;
  } else out.d = null; // no sender time (an inferred event)
  out.l = Math.round((e.lr - (typeof e.timestamp === 'number' ? e.timestamp : c.base)) * 1000);
  return out;
}

function decodeEvent(x: Record<string, unknown>, c: Context): StoredEvent {
  const out: Record<string, unknown> = {};
  for (const k in x) {
    const v = x[k];
    if (k === 'l' || k === 'd' || k === 'h') continue;
    if (k === 't') out.type = TYPE_NAMES[String(v)] ?? String(v);
    else if (k === 'ro' && v === 1) out.root_id = c.id;
    else if (k.startsWith(ESCAPE)) out[k.slice(1)] = v;
    else out[KEY_NAMES[k] ?? k] = v;
  }
  if (CARRIES_REPEATED.has(String(out.type))) {
    for (const k of REPEATED) {
      if (out[k] === undefined && c.repeated[k] !== undefined) out[k] = c.repeated[k];
      if (out[k] !== undefined) c.repeated[k] = out[k];
    }
    out.retries ??= 0;
  }
  if (out.routing_key === 1) out.routing_key = out.queue;
  if ('h' in x) c.host = typeof x.h === 'string' ? x.h : undefined;
  if (c.host !== undefined) out.hostname = c.host;
  if (x.d !== null) out.timestamp = c.base + (typeof x.d === 'number' ? x.d : 0) / 1e6;
  out.lr = (typeof out.timestamp === 'number' ? (out.timestamp as number) : c.base) + (typeof x.l === 'number' ? x.l : 0) / 1000;
  return out as StoredEvent;
}

export function serializeTaskDoc(doc: TaskDoc, id: string): string {
  const base = Math.min(...doc.e.map((e) => (typeof e.timestamp === 'number' ? e.timestamp : e.lr)));
  const c: Context = { id, base: Number.isFinite(base) ? base : 0, host: undefined, repeated: {} };
  const e = doc.e.map((ev) => encodeEvent(ev, c));
  return JSON.stringify(doc.n ? { b: c.base, e, n: doc.n } : { b: c.base, e });
}

export function parseTaskDoc(raw: string | null | undefined, id: string): TaskDoc | null {
  if (!raw) return null;
  try {
    const doc = JSON.parse(raw) as { b?: number; e?: unknown; n?: number };
    if (!Array.isArray(doc.e)) return null;
    const c: Context = { id, base: typeof doc.b === 'number' ? doc.b : 0, host: undefined, repeated: {} };
    return { e: doc.e.map((x: Record<string, unknown>) => decodeEvent(x, c)), ...(doc.n ? { n: doc.n } : {}) };
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
