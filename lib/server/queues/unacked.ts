import 'server-only';
import { decodeUnackedEntry } from '../celery/queue-message';
import type { TrellisContext } from '../context';
import { routeKey } from './bindings';
import type { UnackedSummary } from './types';

// Messages delivered to a worker and not yet acked (protocol doc §4.4), mapped to queues by the
// routing key stored with each entry. HSCAN with COUNT and a hard cap keeps the work bounded; the
// result says when it stopped early. Values are decoded one page at a time (bounded memory).

const HSCAN_COUNT = 200;
export const UNACKED_SCAN_CAP = 5_000;

export interface UnackedByQueue {
  summary: UnackedSummary;
  /** queue → { count, eta (entries with an ETA: held by a worker until due) }. */
  byQueue: Map<string, { count: number; eta: number }>;
}

/** Anonymous exchange: the routing key is the queue; otherwise look the route up in the bindings. */
export function queuesFor(exchange: string, routingKey: string, routes: Map<string, string[]>): string[] {
  if (exchange === '') return [routingKey];
  return routes.get(routeKey(exchange, routingKey)) ?? [];
}

export async function scanUnacked(ctx: TrellisContext, routes: Map<string, string[]>, cap = UNACKED_SCAN_CAP): Promise<UnackedByQueue> {
  const key = ctx.celery.unackedKey;
  const total = await ctx.broker.hlen(key);
  const byQueue = new Map<string, { count: number; eta: number }>();
  const summary: UnackedSummary = { total, scanned: 0, capped: false, unmapped: 0 };
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
      const queues = entry ? queuesFor(entry.exchange, entry.routingKey, routes) : [];
      if (!entry || queues.length === 0) summary.unmapped += 1;
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
