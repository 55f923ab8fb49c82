import 'server-only';
import type { Gap } from '@/lib/schemas/api';
import type { TrellisContext } from '../context';
import type { StoreKeys } from '../store/keys';
import type { WriteBatch } from '../store/write-batch';

// Observation gaps: periods in which Trellis could not have seen events (subscriber dropped, Redis
// down, no collector running). Closed gaps are kept newest first, capped; the open one lives in the
// collector's stats hash so every process can show it.

const MAX_GAPS = 1_000;

/** Queues the gap's record on a write batch (the collector's writes are fenced). */
export function appendGap(batch: WriteBatch, keys: Pick<StoreKeys, 'gaps'>, gap: Gap): WriteBatch {
  return batch.lpush(keys.gaps, JSON.stringify(gap)).ltrim(keys.gaps, 0, MAX_GAPS - 1);
}

export async function listGaps(ctx: TrellisContext, limit = 20): Promise<Gap[]> {
  const raws = await ctx.store.lrange(ctx.keys.gaps, 0, Math.max(0, limit - 1));
  return raws.flatMap((r) => {
    try {
      return [JSON.parse(r) as Gap];
    } catch {
      return [];
    }
  });
}
