import 'server-only';
import type { TrellisContext } from '../context';
import { singleFlight } from '../single-flight';
import { readDiscoveryStatus } from './discovery-status';
import { readQueueSnapshot } from './snapshot-store';
import type { QueueList } from './types';

// GET /api/v1/queues: every known queue as the collecting process last measured it (never a broker
// read per request), stale ones (empty, no consumer for a day) only with all=true. Before any
// collector measured them the list is empty and `sampledAt` null: said, not guessed.

export async function listQueues(ctx: TrellisContext, opts: { all?: boolean } = {}): Promise<QueueList> {
  // Concurrent lists share one pair of store reads.
  const [snap, discovery] = await singleFlight(ctx.store, `${ctx.keys.queueSnapshot}|list`, () => Promise.all([readQueueSnapshot(ctx), readDiscoveryStatus(ctx)]));
  const views = snap?.views ?? [];
  const shown = opts.all ? views : views.filter((v) => !v.stale);
  return {
    queues: shown,
    hidden: views.length - shown.length,
    unacked: snap?.unacked ?? { total: 0, scanned: 0, capped: false, unmapped: 0, overdue: 0 },
    noReply: snap?.noReply ?? [],
    discovery,
    sampledAt: snap?.sampledAt ?? null,
    at: Date.now() / 1000,
  };
}

/** Flower's GET /api/queues/length shape. */
export async function queueLengths(ctx: TrellisContext): Promise<{ active_queues: Array<{ name: string; messages: number }> }> {
  const list = await listQueues(ctx);
  return { active_queues: list.queues.map((q) => ({ name: q.name, messages: q.depth })) };
}
