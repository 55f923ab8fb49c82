import 'server-only';
import type { TrellisContext } from '../context';
import { bucket, decodeMinute, decodeRaw } from './series';
import type { QueuePoint } from './types';

// A queue's depth/flow history: raw samples for the last hour, per-minute roll-ups for a day, and
// 10-minute buckets of the roll-ups for a week (at most ~1,440 points either way).

export type HistoryRange = '1h' | '24h' | '7d';

export async function readHistory(ctx: TrellisContext, queue: string, range: HistoryRange, now = Date.now() / 1000): Promise<{ resolution: number; points: QueuePoint[] }> {
  if (range === '1h') {
    const members = await ctx.store.zrangebyscore(ctx.keys.queueSeries(queue, 'raw'), now - 3_600, '+inf');
    return { resolution: ctx.config.sampleIntervalSeconds, points: members.map(decodeRaw).filter((p): p is QueuePoint => p !== null) };
  }
  const since = now - (range === '24h' ? 86_400 : 7 * 86_400);
  const members = await ctx.store.zrangebyscore(ctx.keys.queueSeries(queue, 'minute'), since, '+inf');
  const points = members.map(decodeMinute).filter((p): p is QueuePoint => p !== null);
  return range === '24h' ? { resolution: 60, points } : { resolution: 600, points: bucket(points, 600) };
}
