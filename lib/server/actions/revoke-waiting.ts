import 'server-only';
import { encodeRevokedMeta } from '../celery/revoked-meta';
import type { TrellisContext } from '../context';
import { revokeRemoveScript } from './revoke-remove-script';

// Tasks still waiting in a queue (sent, not yet received by any worker) are revoked reliably by
// removing their messages: a broadcast reaches only the workers online now, and a worker that starts
// later takes the message before anyone can tell it (protocol doc §6.6). Trellis then writes REVOKED
// to the result backend as the worker would have (none ever will see the message). The scan of each
// queue is bounded; a message beyond the bound is left to the broadcast and the durable revoke.
// Windows are counted from the queue's head: a worker popping between two windows shifts them, so a
// few messages may go unexamined — taken by a consumer that already got the broadcast (revokeTasks
// broadcasts before it removes), which discards them.

/** Messages read per script call (one atomic window). */
const WINDOW = 2_000;
/** Messages scanned per queue per revoke, over all its bands. */
export const MAX_SCANNED_PER_QUEUE = 200_000;

export interface WaitingTask {
  id: string;
  queue: string;
}

export interface RemovalResult {
  removed: string[];
  scanned: number;
  /** Queues whose scan stopped at the bound before finding every id. */
  truncatedQueues: string[];
}

export async function removeWaitingMessages(ctx: TrellisContext, tasks: readonly WaitingTask[]): Promise<RemovalResult> {
  const byQueue = new Map<string, Set<string>>();
  for (const t of tasks) byQueue.set(t.queue, (byQueue.get(t.queue) ?? new Set()).add(t.id));
  const remove = revokeRemoveScript(ctx.broker);
  const out: RemovalResult = { removed: [], scanned: 0, truncatedQueues: [] };
  for (const [queue, ids] of byQueue) {
    let scanned = 0;
    for (const { key } of ctx.celery.queueBandKeys(queue)) {
      let start = 0;
      while (ids.size > 0 && scanned < MAX_SCANNED_PER_QUEUE) {
        const [held, ...gone] = await remove(key, start, WINDOW, [...ids]);
        const n = Number(held ?? 0);
        scanned += n;
        for (const id of gone) {
          ids.delete(String(id));
          out.removed.push(String(id));
        }
        if (n < WINDOW) break;
        start += n - gone.length;
      }
    }
    out.scanned += scanned;
    if (ids.size > 0 && scanned >= MAX_SCANNED_PER_QUEUE) out.truncatedQueues.push(queue);
  }
  await markRevoked(ctx, out.removed);
  return out;
}

/** REVOKED in the result backend for removed messages, unless a worker wrote a state meanwhile (NX). */
async function markRevoked(ctx: TrellisContext, ids: readonly string[]): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < ids.length; i += 1_000) {
    const pipe = ctx.backend.pipeline();
    for (const id of ids.slice(i, i + 1_000)) {
      const key = ctx.results.taskMetaKey(id);
      const meta = encodeRevokedMeta(id, now);
      pipe.set(key, meta, 'EX', RESULT_EXPIRES_S, 'NX');
      // Celery publishes each write on a channel named after the key (§7.2): waiting clients wake up.
      pipe.publish(key, meta);
    }
    await pipe.exec();
  }
}

/** Celery's default result_expires (§7.2). */
const RESULT_EXPIRES_S = 86_400;
