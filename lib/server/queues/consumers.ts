import 'server-only';
import { z } from 'zod';
import type { InspectAllResult } from '../inspect/inspect';

// queue → the workers consuming it, from an `active_queues` broadcast.

const ActiveQueue = z.looseObject({ name: z.string() });

export function consumersFrom(aq: InspectAllResult): Map<string, string[]> {
  const consumers = new Map<string, string[]>();
  for (const w of Object.values(aq.workers)) {
    if (w.status !== 'ok' || !Array.isArray(w.reply)) continue;
    for (const item of w.reply) {
      const q = ActiveQueue.safeParse(item);
      if (q.success) consumers.set(q.data.name, [...(consumers.get(q.data.name) ?? []), w.hostname].sort());
    }
  }
  return consumers;
}
