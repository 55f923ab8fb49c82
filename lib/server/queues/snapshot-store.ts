import 'server-only';
import { z } from 'zod';
import type { TrellisContext } from '../context';
import { execOrThrow, unfencedBatch, type WriteBatch } from '../store/write-batch';
import { singleFlight } from '../single-flight';
import { measureQueues, type MeasurePace } from './snapshot';
import type { QueueView, UnackedSummary } from './types';

// The queue list as the collecting process measured it (snapshot.ts), stored after each sample so
// every process serves /api/v1/queues, the Queues page and queue details from the store: a read
// costs the broker nothing, however many there are. Concurrent reads in a process share one GET.

/** A snapshot no collector refreshed for a day is dropped: no list beats a day-old one shown as now. */
const SNAPSHOT_TTL_SECONDS = 86_400;

export interface StoredSnapshot {
  sampledAt: number;
  views: QueueView[];
  unacked: UnackedSummary;
  noReply: string[];
}

// The envelope is checked with zod; the views (thousands, written by measureQueues as QueueView) by
// a plain loop: a schema per view costs more than the JSON parse itself at 1,000 queues.
const StoredSchema = z.object({
  sampledAt: z.number(),
  views: z.array(z.unknown()).refine((views) => views.every((v) => typeof v === 'object' && v !== null && typeof (v as QueueView).name === 'string' && typeof (v as QueueView).depth === 'number'), 'a view without name or depth'),
  unacked: z.object({ total: z.number(), scanned: z.number(), capped: z.boolean(), unmapped: z.number(), overdue: z.number().default(0) }),
  noReply: z.array(z.string()),
});

/** Measures every queue now and stores the result (the collecting process, after each sample). */
export async function publishQueueSnapshot(ctx: TrellisContext, opts: { fresh?: boolean; pace?: MeasurePace; batch?: () => WriteBatch } = {}): Promise<StoredSnapshot> {
  const snap = await measureQueues(ctx, opts);
  const stored: StoredSnapshot = { sampledAt: snap.at, views: snap.views, unacked: snap.unacked, noReply: snap.noReply };
  const write = opts.batch?.() ?? unfencedBatch(ctx.store);
  await execOrThrow(write.set(ctx.keys.queueSnapshot, JSON.stringify(stored), 'EX', SNAPSHOT_TTL_SECONDS));
  return stored;
}

/** The stored snapshot, or null when no collecting process has stored one yet. */
export function readQueueSnapshot(ctx: TrellisContext): Promise<StoredSnapshot | null> {
  return singleFlight(ctx.store, ctx.keys.queueSnapshot, async () => {
    return parseStoredSnapshot(await ctx.store.get(ctx.keys.queueSnapshot));
  });
}

export function parseStoredSnapshot(raw: string | null | undefined): StoredSnapshot | null {
  if (!raw) return null;
  try {
    const parsed = StoredSchema.safeParse(JSON.parse(raw));
    // The views were written by measureQueues as QueueView; the schema checks the envelope.
    return parsed.success ? { ...parsed.data, views: parsed.data.views as unknown as QueueView[] } : null;
  } catch {
    return null;
  }
}
