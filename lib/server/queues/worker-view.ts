import 'server-only';
import { z } from 'zod';
import type { TrellisContext } from '../context';
import { inspectAllCached } from '../inspect/inspect-cache';
import type { InspectAllResult } from '../inspect/inspect';
import { consumerDetailsFrom } from './consumers';
import { queuesFor } from './unacked';

// What the workers say about queues: who consumes which (`active_queues`), and which messages they
// hold prefetched (`reserved`) or until an ETA (`scheduled`), per queue. From cached broadcasts.

const DeliveryInfo = z.looseObject({ exchange: z.string().nullish(), routing_key: z.string().nullish() }).nullish();
const RequestInfo = z.looseObject({ delivery_info: DeliveryInfo });
const ScheduledEntry = z.looseObject({ request: RequestInfo });

export interface WorkerQueueView {
  consumers: Map<string, string[]>;
  /** Among consumers: workers that did not answer now, counted from their last reply (busy). */
  busy: Map<string, string[]>;
  reserved: Map<string, number>;
  scheduled: Map<string, number>;
  /** Workers that did not answer one of the broadcasts. */
  noReply: string[];
}

function bump(m: Map<string, number>, q: string) {
  m.set(q, (m.get(q) ?? 0) + 1);
}

function countByQueue(res: InspectAllResult, pick: (item: unknown) => z.infer<typeof DeliveryInfo>, routes: Map<string, string[]>): Map<string, number> {
  const out = new Map<string, number>();
  for (const w of Object.values(res.workers)) {
    if (w.status !== 'ok' || !Array.isArray(w.reply)) continue;
    for (const item of w.reply) {
      const di = pick(item);
      if (!di?.routing_key) continue;
      for (const q of queuesFor(di.exchange ?? '', di.routing_key, routes)) bump(out, q);
    }
  }
  return out;
}

export async function readWorkerQueueView(ctx: TrellisContext, routes: Map<string, string[]>, fresh = false): Promise<WorkerQueueView> {
  const [aq, reserved, scheduled] = await Promise.all(
    (['active_queues', 'reserved', 'scheduled'] as const).map((c) => inspectAllCached(ctx, c, { fresh })),
  );
  const details = aq ? consumerDetailsFrom(aq) : new Map<string, Array<{ hostname: string; busy: boolean }>>();
  const consumers = new Map([...details].map(([q, list]) => [q, list.map((c) => c.hostname)]));
  const busy = new Map([...details].map(([q, list]) => [q, list.filter((c) => c.busy).map((c) => c.hostname)]));
  const noReply = new Set<string>();
  for (const res of [aq, reserved, scheduled]) for (const w of Object.values(res?.workers ?? {})) if (w.status !== 'ok') noReply.add(w.hostname);
  const empty = new Map<string, number>();
  return {
    consumers,
    busy,
    reserved: reserved ? countByQueue(reserved, (i) => RequestInfo.safeParse(i).data?.delivery_info, routes) : empty,
    scheduled: scheduled ? countByQueue(scheduled, (i) => ScheduledEntry.safeParse(i).data?.request.delivery_info, routes) : empty,
    noReply: [...noReply].sort(),
  };
}
