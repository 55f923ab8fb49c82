import 'server-only';
import { z } from 'zod';
import type { InspectAllResult, InspectReply } from '../inspect/inspect';

// queue → the workers consuming it, from an `active_queues` broadcast. A worker that did not answer
// but is not offline (a solo-pool worker running a task answers nothing and sends no heartbeat)
// keeps the queues of its last reply for a bounded time (`lastReply`, see inspect/remembered.ts),
// marked busy, so its queues do not look abandoned.

const ActiveQueue = z.looseObject({ name: z.string() });

export interface Consumer {
  hostname: string;
  /** It did not answer this time: its queues are those of its last reply, at `since` (epoch seconds). */
  busy: boolean;
  since: number | null;
}

function queuesOf(w: InspectReply): { names: string[]; busy: boolean; since: number | null } | null {
  const busy = w.status !== 'ok';
  const reply = busy ? w.lastReply?.reply : w.reply;
  if (!Array.isArray(reply)) return null;
  return { names: reply.flatMap((item) => ActiveQueue.safeParse(item).data?.name ?? []), busy, since: busy ? (w.lastReply?.at ?? null) : null };
}

const byHostname = (a: Consumer, b: Consumer) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0);

/** queue → its consumers (hostname order), each marked busy or not. */
export function consumerDetailsFrom(aq: InspectAllResult): Map<string, Consumer[]> {
  const consumers = new Map<string, Consumer[]>();
  for (const w of Object.values(aq.workers)) {
    const q = queuesOf(w);
    if (!q) continue;
    for (const name of new Set(q.names)) {
      const list = [...(consumers.get(name) ?? []), { hostname: w.hostname, busy: q.busy, since: q.since }];
      consumers.set(name, list.sort(byHostname));
    }
  }
  return consumers;
}

/** queue → the hostnames consuming it, sorted; busy workers (see consumerDetailsFrom) included. */
export function consumersFrom(aq: InspectAllResult): Map<string, string[]> {
  return new Map([...consumerDetailsFrom(aq)].map(([q, list]) => [q, list.map((c) => c.hostname)]));
}
