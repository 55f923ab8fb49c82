import 'server-only';
import type { TrellisContext } from '../context';
import { queueSnapshot } from './snapshot';
import type { QueueList } from './types';

// GET /api/v1/queues: every known queue, stale ones (empty, no consumer for a day) only with all=true.

/** `fresh` skips the few-seconds inspect cache (tests, explicit refresh). */
export async function listQueues(ctx: TrellisContext, opts: { all?: boolean; fresh?: boolean } = {}): Promise<QueueList> {
  const snap = await queueSnapshot(ctx, undefined, opts.fresh);
  const shown = opts.all ? snap.views : snap.views.filter((v) => !v.stale);
  return {
    queues: shown,
    hidden: snap.views.length - shown.length,
    unacked: snap.unacked,
    noReply: snap.noReply,
    discoveryCapped: snap.discoveryCapped,
    at: snap.at,
  };
}

/** Flower's GET /api/queues/length shape. */
export async function queueLengths(ctx: TrellisContext): Promise<{ active_queues: Array<{ name: string; messages: number }> }> {
  const list = await listQueues(ctx);
  return { active_queues: list.queues.map((q) => ({ name: q.name, messages: q.depth })) };
}
