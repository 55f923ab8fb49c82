import 'server-only';
import { z } from 'zod';
import type { Gap } from '@/lib/schemas/api';
import type { TrellisContext } from '../context';

// `collector:stats`: what the collecting process publishes about itself every second, for every
// process to show (health, gaps, the next collector's takeover). One codec, so writer and readers
// cannot drift apart; a hash of strings in Redis (fields written by an older version parse too).

const num = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v)));
const GapField = z
  .string()
  .optional()
  .transform((v): Gap | null => {
    if (!v) return null;
    try {
      return JSON.parse(v) as Gap;
    } catch {
      return null;
    }
  });

const StatsSchema = z.object({
  holder: z.string().optional().transform((v) => v || null),
  aliveAt: num,
  stoppedAt: num,
  eventsPerSecond: num,
  lagP50: num,
  lagP99: num,
  eventsTotal: num,
  malformedTotal: num,
  ignoredTotal: num,
  lastEventAt: num,
  lastFlushAt: num,
  openGap: GapField,
  /** Event messages read from the broker and not yet stored (ingest backlog + collector buffer). */
  backlogBytes: num,
  backlogMessages: num,
  backlogPeakBytes: num,
  backlogLimitBytes: num,
  backlogOldestAt: num,
  droppedMessages: num,
});

export type CollectorStats = z.infer<typeof StatsSchema>;

export function decodeCollectorStats(hash: Record<string, string>): CollectorStats {
  return StatsSchema.parse(hash);
}

export function encodeCollectorStats(stats: Partial<CollectorStats>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(stats)) {
    if (v === undefined) continue;
    out[k] = v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

export async function readCollectorStats(ctx: TrellisContext): Promise<CollectorStats> {
  return decodeCollectorStats(await ctx.store.hgetall(ctx.keys.collectorStats));
}
