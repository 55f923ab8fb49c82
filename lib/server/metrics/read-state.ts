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

export async function readMetricsState(ctx: TrellisContext): Promise<MetricsState> {
  const k = ctx.keys;
  const pipeline = ctx.store.pipeline().hgetall(k.totals).hgetall(k.workers).hgetall(k.collectorStats).hvals(k.alertsActive).llen(k.gaps).exists(k.lease);
  const [replies, snapshot] = await Promise.all([pipeline.exec(), readQueueSnapshot(ctx)]);
  const value = <T>(i: number, fallback: T): T => {
    const [err, v] = replies?.[i] ?? [null, undefined];
    if (err) throw err;
    return (v ?? fallback) as T;
  };
  const totals: MetricsState['totals'] = [];
  for (const [raw, v] of Object.entries(value<Record<string, string>>(0, {}))) {
    const field = decodeField(raw);
    const n = Number(v);
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
