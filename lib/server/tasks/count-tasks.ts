import 'server-only';
import type { TrellisContext } from '../context';
import type { RegistryDimension } from '../store/keys';

// Counts over what the store holds: the size of each index set of one dimension (two round trips).

export async function countTasks(ctx: TrellisContext, by: RegistryDimension): Promise<Record<string, number>> {
  const values = (await ctx.store.smembers(ctx.keys.registry(by))).sort();
  if (values.length === 0) return {};
  const pipe = ctx.store.pipeline();
  for (const v of values) pipe.zcard(ctx.keys.index(by, v));
  const res = (await pipe.exec()) ?? [];
  const counts: Record<string, number> = {};
  values.forEach((v, i) => {
    const n = Number(res[i]?.[1] ?? 0);
    if (n > 0) counts[v] = n;
  });
  return counts;
}
