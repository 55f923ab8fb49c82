import 'server-only';
import { messageTaskId } from '../celery/queue-message';
import type { TrellisContext } from '../context';
import { readSentTimes } from '../tasks/sent-times';
import type { QueueMeta } from './meta';
import type { AgeSource } from './types';

// Age of the next message to run (Sidekiq's "latency"): the right end of the highest-priority
// non-empty band (LRANGE key -1 -1). Its enqueue time is the task's `sent` time from Trellis'
// history when it has one; else the first time Trellis saw that message at the head (sampler
// bookkeeping, a lower bound); else unknown, said so. Every head is read, as many as the sampler
// watches (5,000 queues), in chunks: one broker pipeline and one store MGET per chunk, one chunk at
// a time, so memory is bounded by a chunk of messages whatever they weigh.

/** The sampler's MAX_QUEUES: it keeps no bookkeeping for more queues than that. */
export const MAX_HEADS = 5_000;
const HEADS_PER_CHUNK = 500;

export interface OldestAge {
  ageSeconds: number | null;
  source: AgeSource;
  taskId: string | null;
}

export async function oldestAges(
  ctx: TrellisContext,
  heads: ReadonlyArray<{ queue: string; key: string }>,
  metas: ReadonlyMap<string, QueueMeta>,
  now: number,
): Promise<Map<string, OldestAge>> {
  const out = new Map<string, OldestAge>();
  const all = heads.slice(0, MAX_HEADS);
  for (let c = 0; c < all.length; c += HEADS_PER_CHUNK) {
    const chunk = all.slice(c, c + HEADS_PER_CHUNK);
    const pipe = ctx.broker.pipeline();
    for (const h of chunk) pipe.lrange(h.key, -1, -1);
    const res = (await pipe.exec()) ?? [];
    const ids = chunk.map((_, i) => {
      const [err, v] = res[i] ?? [null, null];
      const raw = !err && Array.isArray(v) ? (v[0] as string | undefined) : undefined;
      return raw ? messageTaskId(raw) : null;
    });
    // One MGET for the chunk's task documents (not in history, or history unreadable: fall back).
    const times = await readSentTimes(ctx, ids.filter((id): id is string => id !== null)).catch(() => new Map<string, number | null>());
    chunk.forEach((h, i) => {
      const id = ids[i] ?? null;
      const s = id ? (times.get(id) ?? null) : null;
      const head = metas.get(h.queue)?.head;
      if (s !== null) out.set(h.queue, { ageSeconds: Math.max(0, now - s), source: 'sent', taskId: id });
      else if (id && head?.id === id) out.set(h.queue, { ageSeconds: Math.max(0, now - head.seenAt), source: 'first-seen', taskId: id });
      else out.set(h.queue, { ageSeconds: null, source: 'unknown', taskId: id });
    });
  }
  return out;
}
