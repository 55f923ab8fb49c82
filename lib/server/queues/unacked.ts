import 'server-only';
import { decodeUnackedEntry } from '../celery/queue-message';
import type { TrellisContext } from '../context';
import { RouteTable, routeKey } from './bindings';
import type { UnackedSummary } from './types';

// Messages delivered to a worker and not yet acked (protocol doc §4.4), mapped to queues by the
// exchange and routing key stored with each entry (as kombu's restore would route them). Only the
// queues Trellis lists count: an entry that maps to none of them (undecodable, no binding matches,
// or a queue Trellis has not discovered) is counted as unmapped, never under a name nobody sees.
// HSCAN with COUNT and a hard cap keeps the work bounded; the result says when it stopped early.
// Values are decoded one page at a time (bounded memory).

const HSCAN_COUNT = 200;
export const UNACKED_SCAN_CAP = 5_000;

export interface UnackedByQueue {
  summary: UnackedSummary;
  /** queue → { count, eta (entries with an ETA: held by a worker until due) }, listed queues only. */
  byQueue: Map<string, { count: number; eta: number }>;
}

/** Anonymous exchange: the routing key is the queue; otherwise the exchange's bindings decide (direct, topic, fanout). */
export function queuesFor(exchange: string, routingKey: string, routes: Map<string, string[]>): string[] {
  if (exchange === '') return [routingKey];
  return routes instanceof RouteTable ? routes.lookup(exchange, routingKey) : (routes.get(routeKey(exchange, routingKey)) ?? []);
}

/** `listed`: the queues the caller shows; entries of any other queue are unmapped. */
export async function scanUnacked(ctx: TrellisContext, routes: Map<string, string[]>, listed: ReadonlySet<string>, cap = UNACKED_SCAN_CAP): Promise<UnackedByQueue> {
  const key = ctx.celery.unackedKey;
  // unacked_index scores each entry by delivery time: older than the visibility timeout means kombu
  // will restore it to its queue and it may run twice.
  const overdueBefore = Date.now() / 1000 - ctx.config.visibilityTimeoutSeconds;
  const [total, overdue] = await Promise.all([ctx.broker.hlen(key), ctx.broker.zcount(ctx.celery.unackedIndexKey, '-inf', `(${overdueBefore}`)]);
  const byQueue = new Map<string, { count: number; eta: number }>();
  const summary: UnackedSummary = { total, scanned: 0, capped: false, unmapped: 0, overdue };
  if (total === 0) return { summary, byQueue };
  let cursor = '0';
  do {
    const [next, flat] = await ctx.broker.hscanBuffer(key, cursor, 'COUNT', HSCAN_COUNT);
    cursor = next.toString();
    for (let i = 1; i < flat.length; i += 2) {
      const raw = flat[i];
      if (!raw) continue;
      summary.scanned += 1;
      const entry = decodeUnackedEntry(raw);
      const queues = entry ? queuesFor(entry.exchange, entry.routingKey, routes).filter((q) => listed.has(q)) : [];
      if (queues.length === 0) summary.unmapped += 1;
      for (const q of queues) {
        const c = byQueue.get(q) ?? { count: 0, eta: 0 };
        c.count += 1;
        if (entry?.eta) c.eta += 1;
        byQueue.set(q, c);
      }
    }
    if (cursor !== '0' && summary.scanned >= cap) summary.capped = true;
  } while (cursor !== '0' && !summary.capped);
  return { summary, byQueue };
}
