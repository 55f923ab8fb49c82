import type { WorkerStatus, WorkerView } from '@/lib/schemas/api';
import type { WorkerEvent } from '../celery/events';

// What Trellis keeps per worker (by hostname), folded from worker-online/heartbeat/offline events,
// and how its status is judged: Celery's rule, alive while now < last heartbeat received + 2 × freq.

export interface WorkerDoc {
  hostname: string;
  pid: number | null;
  freq: number | null;
  /** Sender time of the last worker event. */
  lastHeartbeat: number | null;
  /** When Trellis received the last worker event (liveness uses this, not the sender's clock). */
  lastReceived: number;
  active: number | null;
  processed: number | null;
  loadavg: number[] | null;
  swIdent: string | null;
  swVer: string | null;
  swSys: string | null;
  onlineSince: number | null;
  offlineAt: number | null;
  restarts: number;
  previousPid: number | null;
  /** pid → when last heard, for live pids other than the current one (duplicate node names). */
  otherPids: Record<string, number>;
}

export const DEFAULT_FREQ = 2.0;
const OTHER_PID_MEMORY_S = 60;

export function newWorkerDoc(hostname: string, lr: number): WorkerDoc {
  return {
    hostname,
    pid: null,
    freq: null,
    lastHeartbeat: null,
    lastReceived: lr,
    active: null,
    processed: null,
    loadavg: null,
    swIdent: null,
    swVer: null,
    swSys: null,
    onlineSince: null,
    offlineAt: null,
    restarts: 0,
    previousPid: null,
    otherPids: {},
  };
}

/** Applies one worker event (one sender on one channel, so a host's events arrive in order). */
export function applyWorkerEvent(doc: WorkerDoc, ev: WorkerEvent): WorkerDoc {
  const d: WorkerDoc = { ...doc, otherPids: { ...doc.otherPids } };
  const lr = ev.local_received;
  const pid = typeof ev.pid === 'number' ? ev.pid : null;
  const wasUp = d.pid !== null && status(doc, lr) === 'online';
  if (pid !== null && d.pid !== null && pid !== d.pid) {
    if (wasUp && ev.type !== 'worker-online') {
      // Another live process with the same node name: remember it rather than flip-flop the record.
      d.otherPids[String(pid)] = lr;
      return prunePids(d, lr);
    }
    d.restarts += 1;
    d.previousPid = d.pid;
    d.onlineSince = lr;
  }
  if (pid !== null) d.pid = pid;
  delete d.otherPids[String(d.pid)];
  d.lastReceived = lr;
  d.lastHeartbeat = ev.timestamp ?? d.lastHeartbeat;
  if (typeof ev.freq === 'number' && ev.freq > 0) d.freq = ev.freq;
  // The heartbeat that the `heartbeat` control command triggers carries no counters: keep the last.
  if (typeof ev.active === 'number') d.active = ev.active;
  if (typeof ev.processed === 'number') d.processed = ev.processed;
  if (ev.loadavg) d.loadavg = ev.loadavg;
  d.swIdent = ev.sw_ident ?? d.swIdent;
  d.swVer = ev.sw_ver ?? d.swVer;
  d.swSys = ev.sw_sys ?? d.swSys;
  if (ev.type === 'worker-offline') {
    d.offlineAt = lr;
  } else {
    if (!wasUp || d.onlineSince === null) d.onlineSince = lr;
    d.offlineAt = null;
  }
  return prunePids(d, lr);
}

function prunePids(d: WorkerDoc, now: number): WorkerDoc {
  for (const [pid, seen] of Object.entries(d.otherPids)) if (now - seen > OTHER_PID_MEMORY_S) delete d.otherPids[pid];
  return d;
}

export function status(doc: WorkerDoc, now: number): WorkerStatus {
  if (doc.offlineAt !== null) return 'offline';
  return now < doc.lastReceived + 2 * (doc.freq ?? DEFAULT_FREQ) ? 'online' : 'lost';
}

export function toWorkerView(doc: WorkerDoc, now: number): WorkerView {
  const window = 2 * (doc.freq ?? DEFAULT_FREQ);
  return {
    hostname: doc.hostname,
    status: status(doc, now),
    pid: doc.pid,
    freq: doc.freq,
    lastHeartbeat: doc.lastHeartbeat,
    heartbeatAge: Math.max(0, now - doc.lastReceived),
    active: doc.active,
    processed: doc.processed,
    loadavg: doc.loadavg,
    swIdent: doc.swIdent,
    swVer: doc.swVer,
    swSys: doc.swSys,
    onlineSince: doc.onlineSince,
    offlineAt: doc.offlineAt,
    restarts: doc.restarts,
    previousPid: doc.previousPid,
    duplicatePids: Object.entries(doc.otherPids)
      .filter(([, seen]) => now - seen < window * 2)
      .map(([pid]) => Number(pid)),
  };
}

export function parseWorkerDoc(raw: string): WorkerDoc | null {
  try {
    const d = JSON.parse(raw) as WorkerDoc;
    return typeof d.hostname === 'string' ? d : null;
  } catch {
    return null;
  }
}
