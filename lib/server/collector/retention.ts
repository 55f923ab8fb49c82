import 'server-only';
import type { TrellisContext } from '../context';
import type { Fence } from './fence';
import { deriveTask } from '../tasks/derive';
import { INDEX_DIMENSIONS, indexedValues } from '../tasks/indexed-values';
import { parseTaskDoc } from '../tasks/task-doc';
import { fromRef, toRef } from '../store/task-ref';

// Keeps the store within its limits (max tasks, max age), continuously and in bounded rounds: each
// round removes at most ROUND tasks, oldest first (by first-seen time), from every index they're in.

const ROUND = 2_000;
const STATE_GUESSES = ['PENDING', 'RECEIVED', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED'];

export interface RetentionResult {
  removed: string[];
  total: number;
  more: boolean;
}

export async function enforceRetention(ctx: TrellisContext, fence: Fence, nowS: number): Promise<RetentionResult> {
  const { maxTasks, maxAgeSeconds } = ctx.config.retention;
  const states = await ctx.store.smembers(ctx.keys.registry('state'));
  if (states.length === 0) return { removed: [], total: 0, more: false };
  const keys = states.map((s) => ctx.keys.index('state', s));

  const cutoff = nowS - maxAgeSeconds;
  const pipe = ctx.store.pipeline();
  for (const k of keys) pipe.zcard(k);
  for (const k of keys) pipe.zrangebyscore(k, '-inf', `(${cutoff}`, 'LIMIT', 0, ROUND);
  const res = (await pipe.exec()) ?? [];
  const total = res.slice(0, keys.length).reduce((sum, [, n]) => sum + Number(n ?? 0), 0);
  const victims = new Set<string>();
  for (const [, ids] of res.slice(keys.length)) for (const ref of (ids as string[] | null) ?? []) if (victims.size < ROUND) victims.add(fromRef(ref));

  const over = total - victims.size - maxTasks;
  if (over > 0) {
    let need = Math.min(over, ROUND - victims.size);
    for (const id of await oldestAcross(ctx, keys, need + victims.size)) {
      if (need <= 0) break;
      if (!victims.has(id)) {
        victims.add(id);
        need--;
      }
    }
  }
  if (victims.size === 0) return { removed: [], total, more: false };
  await removeTasks(ctx, fence, [...victims]);
  return { removed: [...victims], total: total - victims.size, more: victims.size >= ROUND };
}

/** The n oldest task ids across several index sets (a k-way merge of each set's n oldest). */
async function oldestAcross(ctx: TrellisContext, keys: string[], n: number): Promise<string[]> {
  const pipe = ctx.store.pipeline();
  for (const k of keys) pipe.zrange(k, 0, n - 1, 'WITHSCORES');
  const res = (await pipe.exec()) ?? [];
  const all: Array<[number, string]> = [];
  for (const [, flat] of res) {
    const arr = (flat as string[] | null) ?? [];
    for (let i = 0; i < arr.length; i += 2) all.push([Number(arr[i + 1]), arr[i] as string]);
  }
  all.sort((a, b) => a[0] - b[0]);
  return all.slice(0, n).map(([, ref]) => fromRef(ref));
}

/** Deletes tasks and their index entries. Reads each document first to know its index values. */
export async function removeTasks(ctx: TrellisContext, fence: Fence, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const raws = await ctx.store.mget(ids.map((id) => ctx.keys.task(id)));
  const pipe = fence.batch();
  ids.forEach((id, i) => {
    const ref = toRef(id);
    const doc = parseTaskDoc(raws[i], id);
    if (doc) {
      const v = indexedValues(deriveTask(id, doc));
      for (const dim of INDEX_DIMENSIONS) {
        const value = v[dim];
        if (value !== undefined) pipe.zrem(ctx.keys.index(dim, value), ref);
      }
    } else {
      // No document (already gone): nothing indexes it any more but the set we found it in.
      for (const s of STATE_GUESSES) pipe.zrem(ctx.keys.index('state', s), ref);
    }
    pipe.del(ctx.keys.task(id));
  });
  await pipe.exec();
}
