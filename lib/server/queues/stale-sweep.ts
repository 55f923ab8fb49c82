import 'server-only';
import type { TrellisContext } from '../context';
import { execOrThrow, type WriteBatch } from '../store/write-batch';
import type { QueueSource } from './discover';
import { readMeta, type QueueMeta } from './meta';

// Bookkeeping of queues gone for good: a queue Trellis knows only from its own bookkeeping (no
// binding, no consumer, not configured) that held no message and had no consumer for 7 days loses
// its bookkeeping (queues:meta field) and series (queue:raw:<q>, queue:minute:<q>). Run by the
// sampler (a leader job) when it refreshes its queue list, so it never rewrites what was removed.

export const STALE_BOOKKEEPING_SECONDS = 7 * 86_400;

const lastSign = (m: QueueMeta) => Math.max(m.firstSeen, m.lastNonEmpty ?? 0, m.lastConsumer ?? 0);

/** Removes the stale queues among `sources`; returns their names (the caller forgets them). */
export async function sweepStaleQueues(ctx: TrellisContext, write: WriteBatch, sources: ReadonlyMap<string, ReadonlySet<QueueSource>>, now = Date.now() / 1000): Promise<string[]> {
  const onlyHistory = [...sources].filter(([, s]) => s.size === 1 && s.has('history')).map(([q]) => q);
  if (onlyHistory.length === 0) return [];
  const metas = await readMeta(ctx, onlyHistory);
  // Unreadable bookkeeping has no date to keep it by: it goes too.
  const stale = onlyHistory.filter((q) => {
    const m = metas.get(q);
    return !m || now - lastSign(m) > STALE_BOOKKEEPING_SECONDS;
  });
  if (stale.length === 0) return [];
  write.hdel(ctx.keys.queueMeta, ...stale);
  for (const q of stale) write.del(ctx.keys.queueSeries(q, 'raw'), ctx.keys.queueSeries(q, 'minute'));
  await execOrThrow(write);
  return stale;
}
