import 'server-only';
import type { InspectCommand } from '../celery/control';
import type { TrellisContext } from '../context';
import { inspectAll, type InspectAllResult } from './inspect';

// Queue listings need `active_queues`, `reserved` and `scheduled` from every worker. A broadcast
// costs each worker a reply, so concurrent and repeated requests share one result for a few
// seconds instead of each sending their own (bounded: one entry per command per broker client).

const TTL_MS = 5_000;
/** Arguments a cached command is sent with: `active` as Flower asks for it (safe: args and kwargs as repr text). */
export const CACHED_ARGS: Partial<Record<InspectCommand, Record<string, unknown>>> = { active: { safe: true } };
type Entry = { at: number; value: Promise<InspectAllResult> };
const caches = new WeakMap<object, Map<InspectCommand, Entry>>();

export function inspectAllCached(ctx: TrellisContext, command: InspectCommand, opts: { fresh?: boolean } = {}): Promise<InspectAllResult> {
  let cache = caches.get(ctx.broker);
  if (!cache) caches.set(ctx.broker, (cache = new Map()));
  const hit = cache.get(command);
  if (hit && !opts.fresh && Date.now() - hit.at < TTL_MS) return hit.value;
  const value = inspectAll(ctx, command, CACHED_ARGS[command]);
  const entry = { at: Date.now(), value };
  cache.set(command, entry);
  value.catch(() => {
    if (cache.get(command) === entry) cache.delete(command);
  });
  return value;
}
