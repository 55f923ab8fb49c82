import 'server-only';
import type { Gap } from '@/lib/schemas/api';
import type { TrellisContext } from '../context';

// Observation gaps: periods in which Trellis could not have seen events (subscriber dropped, Redis
// down, no collector running). Closed gaps are kept newest first, capped; the open one lives in the
// collector's stats hash so every process can show it.

const MAX_GAPS = 1_000;

export async function recordGap(ctx: TrellisContext, gap: Gap): Promise<void> {
  await ctx.store
    .multi()
    .lpush(ctx.keys.gaps, JSON.stringify(gap))
    .ltrim(ctx.keys.gaps, 0, MAX_GAPS - 1)
    .exec();
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
