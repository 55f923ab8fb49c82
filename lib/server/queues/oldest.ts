import 'server-only';
import { messageTaskId } from '../celery/queue-message';
import type { TrellisContext } from '../context';
import { readSentTimes } from '../tasks/sent-times';
import type { QueueMeta } from './meta';
import type { AgeSource } from './types';

// Age of the next message to run (Sidekiq's "latency"): the right end of the highest-priority
// non-empty band (LRANGE key -1 -1, one pipeline for every queue). Its enqueue time is the task's
// `sent` time from Trellis' history when it has one; else the first time Trellis saw that message
// at the head (sampler bookkeeping, a lower bound); else unknown, said so.

const MAX_LOOKUPS = 200;

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
  const some = heads.slice(0, MAX_LOOKUPS);
  if (some.length === 0) return out;
  const pipe = ctx.broker.pipeline();
  for (const h of some) pipe.lrange(h.key, -1, -1);
  const res = (await pipe.exec()) ?? [];
  const ids = some.map((_, i) => {
    const [err, v] = res[i] ?? [null, null];
    const raw = !err && Array.isArray(v) ? (v[0] as string | undefined) : undefined;
    return raw ? messageTaskId(raw) : null;
  });
  // One MGET for every head's task document (not in history, or history unreadable: fall back).
  const known = ids.filter((id): id is string => id !== null);
  const times = await readSentTimes(ctx, known).catch(() => new Map<string, number | null>());
  const sent = ids.map((id) => (id ? (times.get(id) ?? null) : null));
  some.forEach((h, i) => {
    const id = ids[i] ?? null;
    const s = sent[i] ?? null;
    const head = metas.get(h.queue)?.head;
    if (s !== null) out.set(h.queue, { ageSeconds: Math.max(0, now - s), source: 'sent', taskId: id });
    else if (id && head?.id === id) out.set(h.queue, { ageSeconds: Math.max(0, now - head.seenAt), source: 'first-seen-at-head', taskId: id });
    else out.set(h.queue, { ageSeconds: null, source: 'unknown', taskId: id });
  });
  return out;
}
