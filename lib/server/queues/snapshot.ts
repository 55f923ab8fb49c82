import 'server-only';
import type { TrellisContext } from '../context';
import { readDepths, headBand } from './depth';
import { discoverQueues } from './discover';
import { drainSeconds } from './flow';
import { isStale, readMeta } from './meta';
import { oldestAges } from './oldest';
import type { QueueView, UnackedSummary } from './types';
import { scanUnacked, type UnackedByQueue } from './unacked';
import { readWorkerQueueView, type WorkerQueueView } from './worker-view';

// The live picture of every queue, read at one moment by the collecting process (the sampler
// stores it after each sample, snapshot-store.ts; requests read that): depths (one pipeline), the
// workers' view (cached broadcasts), unacked entries by queue (bounded scan), the sampler's
// bookkeeping (rates, first/last seen) and the age of each queue's next message. The sampler paces
// the workers' view and the unacked scan (MeasurePace): every 30 s, not every sample.

export interface Snapshot {
  views: QueueView[];
  unacked: UnackedSummary;
  noReply: string[];
  at: number;
}

/** Re-reads at most every `everyMs`, else gives the last result (per instance). */
export function atMostEvery<T>(everyMs: number): (read: () => Promise<T>) => Promise<T> {
  let last: { at: number; value: T } | null = null;
  return async (read) => {
    if (last && Date.now() - last.at < everyMs) return last.value;
    const value = await read();
    last = { at: Date.now(), value };
    return value;
  };
}

/** How the costlier reads are paced: the workers' view (three inspect broadcasts) and the `unacked` scan. */
export interface MeasurePace {
  workers: (read: () => Promise<WorkerQueueView>) => Promise<WorkerQueueView>;
  unacked: (read: () => Promise<UnackedByQueue>) => Promise<UnackedByQueue>;
}

const now = <T>(read: () => Promise<T>) => read();

export async function measureQueues(ctx: TrellisContext, opts: { fresh?: boolean; pace?: MeasurePace } = {}): Promise<Snapshot> {
  const pace = opts.pace ?? { workers: now, unacked: now };
  const found = await discoverQueues(ctx, new Map());
  const workers = await pace.workers(() => readWorkerQueueView(ctx, found.routes, opts.fresh));
  for (const q of workers.consumers.keys()) {
    const s = found.sources.get(q) ?? new Set();
    s.add('worker');
    found.sources.set(q, s);
  }
  const names = [...found.sources.keys()].sort();
  // Unacked entries count under the queues Trellis lists; the rest are unmapped.
  const listed = new Set(names);
  const at = Date.now() / 1000;
  const [depths, metas, unacked] = await Promise.all([readDepths(ctx, names), readMeta(ctx, names), pace.unacked(() => scanUnacked(ctx, found.routes, listed))]);
  const heads = names.flatMap((q) => {
    const d = depths.get(q);
    const step = d ? headBand(d) : null;
    return step === null ? [] : [{ queue: q, key: ctx.celery.queueBandKey(q, step) }];
  });
  const ages = await oldestAges(ctx, heads, metas, at);
  const staleRatesAfter = Math.max(3 * ctx.config.sampleIntervalSeconds, 90);
  const views = names.map((name): QueueView => {
    const d = depths.get(name) ?? { depth: 0, bands: [] };
    const meta = metas.get(name);
    const consumers = workers.consumers.get(name) ?? [];
    const rates = meta?.rates && meta.sampledAt !== null && at - meta.sampledAt <= staleRatesAfter ? meta.rates : null;
    const age = ages.get(name);
    return {
      name,
      depth: d.depth,
      bands: d.bands,
      consumers,
      busyConsumers: workers.busy.get(name) ?? [],
      unacked: unacked.byQueue.get(name)?.count ?? 0,
      scheduled: workers.scheduled.get(name) ?? 0,
      reserved: workers.reserved.get(name) ?? 0,
      rates,
      drainSeconds: drainSeconds(d.depth, rates),
      oldestAgeSeconds: d.depth > 0 ? (age?.ageSeconds ?? null) : null,
      oldestAgeSource: d.depth > 0 ? (age?.source ?? 'unknown') : null,
      sources: [...(found.sources.get(name) ?? [])].sort(),
      stale: isStale(meta, d.depth, consumers.length, at),
      firstSeen: meta?.firstSeen ?? null,
      lastNonEmpty: meta?.lastNonEmpty ?? null,
      lastConsumer: consumers.length > 0 ? at : (meta?.lastConsumer ?? null),
    };
  });
  return { views, unacked: unacked.summary, noReply: workers.noReply, at };
}
