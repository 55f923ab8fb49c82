import 'server-only';
import type { TrellisContext } from '../context';

// The values the task list can be filtered by (every name, worker and queue the store indexes),
// sorted, in one round trip: what the Tasks page offers in its filter menus.

export interface TaskFilterValues {
  names: string[];
  workers: string[];
  queues: string[];
}

export async function taskFilterValues(ctx: TrellisContext): Promise<TaskFilterValues> {
  const k = ctx.keys;
  const res = (await ctx.store.pipeline().smembers(k.registry('name')).smembers(k.registry('worker')).smembers(k.registry('queue')).exec()) ?? [];
  const [names, workers, queues] = res.map(([err, values]) => {
    if (err) throw err;
    return ((values as string[] | null) ?? []).sort();
  });
  return { names: names ?? [], workers: workers ?? [], queues: queues ?? [] };
}
