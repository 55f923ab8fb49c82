import 'server-only';
import type { TrellisContext } from '../context';
import { deriveTask } from './derive';
import { parseTaskDoc } from './task-doc';

/** When each task was sent (its `task-sent` time), from the store in one MGET; null when unknown. */
export async function readSentTimes(ctx: TrellisContext, ids: readonly string[]): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  if (ids.length === 0) return out;
  const raws = await ctx.store.mget(ids.map((id) => ctx.keys.task(id)));
  ids.forEach((id, i) => {
    const doc = parseTaskDoc(raws[i], id);
    out.set(id, doc ? deriveTask(id, doc).sent : null);
  });
  return out;
}
