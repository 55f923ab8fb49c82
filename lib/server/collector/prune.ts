import 'server-only';
import type { TrellisContext } from '../context';
import type { RegistryDimension } from '../store/keys';
import { parseWorkerDoc } from '../workers/worker-doc';
import type { Fence } from './fence';

// Keeps the store's bookkeeping bounded by what it holds: workers unseen for the retention period go
// (with their index), and each registry (the values a dimension has held: names, workers, queues,
// states) loses the values no task carries any more. Bounded per round (HSCAN/SSCAN COUNT).

const SCAN_COUNT = 500;
const REGISTRIES: RegistryDimension[] = ['name', 'worker', 'queue', 'state'];

export async function pruneWorkers(ctx: TrellisContext, fence: Fence, nowS: number): Promise<string[]> {
  const cutoff = nowS - ctx.config.retention.maxAgeSeconds;
  const gone: string[] = [];
  let cursor = '0';
  do {
    const [next, flat] = await ctx.store.hscan(ctx.keys.workers, cursor, 'COUNT', SCAN_COUNT);
    cursor = next;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const doc = parseWorkerDoc(flat[i + 1] as string);
      if (!doc || doc.lastReceived < cutoff) gone.push(flat[i] as string);
    }
  } while (cursor !== '0' && gone.length < SCAN_COUNT);
  if (gone.length === 0) return gone;
  const batch = fence.batch().hdel(ctx.keys.workers, ...gone);
  for (const h of gone) batch.del(ctx.keys.index('worker', h));
  await batch.exec();
  return gone;
}

/** Registry values whose index set no longer exists (all its tasks removed by retention). */
export async function pruneRegistries(ctx: TrellisContext, fence: Fence): Promise<number> {
  let removed = 0;
  for (const dim of REGISTRIES) {
    let cursor = '0';
    do {
      const [next, values] = await ctx.store.sscan(ctx.keys.registry(dim), cursor, 'COUNT', SCAN_COUNT);
      cursor = next;
      if (values.length === 0) continue;
      const pipe = ctx.store.pipeline();
      for (const v of values) pipe.exists(ctx.keys.index(dim, v));
      const exists = (await pipe.exec()) ?? [];
      const empty = values.filter((_, i) => exists[i]?.[1] === 0);
      if (empty.length > 0) {
        await fence.batch().srem(ctx.keys.registry(dim), ...empty).exec();
        removed += empty.length;
      }
    } while (cursor !== '0');
  }
  return removed;
}
