import 'server-only';
import type { TrellisContext } from '../context';
import { decodeCollectorStats, type CollectorStats } from '../collector/collector-stats';
import { readQueueSnapshot, type StoredSnapshot } from '../queues/snapshot-store';
import { parseWorkerDoc, type WorkerDoc } from '../workers/worker-doc';
import { decodeField, type TotalsField } from './totals-fields';

// Everything /metrics serves, read from the store in two concurrent round trips whatever the cluster
// size: one pipeline (totals, workers, collector stats, active alerts, gaps, lease) and the queue
// snapshot (shared with concurrent queue reads in this process).

export interface MetricsState {
  now: number;
  totals: Array<{ field: TotalsField; value: number }>;
  workers: WorkerDoc[];
  snapshot: StoredSnapshot | null;
  collector: CollectorStats;
  leaseHeld: boolean;
  gapsRecorded: number;
  /** Raw values of keys.alertsActive (JSON incidents). */
  alerts: string[];
}

// Field names repeat scrape after scrape and are bounded by the label caps: decode each once.
const decoded = new Map<string, TotalsField | null>();
const DECODED_MAX = 200_000;

function decodeCached(raw: string): TotalsField | null {
  let f = decoded.get(raw);
  if (f === undefined) {
    if (decoded.size >= DECODED_MAX) decoded.clear();
    decoded.set(raw, (f = decodeField(raw)));
  }
  return f;
}

export async function readMetricsState(ctx: TrellisContext): Promise<MetricsState> {
  const k = ctx.keys;
  // The totals as a flat reply (no 10,000-key object to build and walk).
  const pipeline = ctx.store.pipeline().call('HGETALL', k.totals).hgetall(k.workers).hgetall(k.collectorStats).hvals(k.alertsActive).llen(k.gaps).exists(k.lease);
  const [replies, snapshot] = await Promise.all([pipeline.exec(), readQueueSnapshot(ctx)]);
  const value = <T>(i: number, fallback: T): T => {
    const [err, v] = replies?.[i] ?? [null, undefined];
    if (err) throw err;
    return (v ?? fallback) as T;
  };
  const totals: MetricsState['totals'] = [];
  const flat = value<string[]>(0, []);
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = decodeCached(flat[i] ?? '');
    const n = Number(flat[i + 1]);
    if (field && Number.isFinite(n)) totals.push({ field, value: n });
  }
  return {
    now: Date.now() / 1000,
    totals,
    workers: Object.values(value<Record<string, string>>(1, {})).flatMap((raw) => parseWorkerDoc(raw) ?? []),
    snapshot,
    collector: decodeCollectorStats(value<Record<string, string>>(2, {})),
    alerts: value<string[]>(3, []),
    gapsRecorded: value<number>(4, 0),
    leaseHeld: value<number>(5, 0) === 1,
  };
}
