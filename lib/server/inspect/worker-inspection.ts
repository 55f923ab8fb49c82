import 'server-only';
import type { InspectCommand } from '../celery/control';
import type { TrellisContext } from '../context';
import { InspectBusyError } from './call-gate';
import { inspectWorker, type InspectReply } from './inspect';

// What the worker page shows of one worker: the last reply to a command, with its time, asked
// again only when the operator asks for a newer one than they saw (`replacing`: the `at` of the
// reply on their screen) or when it is older than MAX_AGE_S. The page refreshes itself every few seconds; without this each refresh was a
// pidbox round every worker reads. Per process, bounded to MAX_ENTRIES (oldest dropped first).

export const MAX_AGE_S = 30;
const MAX_ENTRIES = 1_000;

export type WorkerInspection = InspectReply & {
  elapsedMs: number;
  /** When the reply was asked for (epoch seconds). */
  at: number;
  /** Seconds since then. */
  ageSeconds: number;
};

type Entry = { at: number; value: Promise<InspectReply & { elapsedMs: number }> };
const caches = new WeakMap<object, Map<string, Entry>>();

export async function workerInspection(
  ctx: TrellisContext,
  hostname: string,
  command: InspectCommand,
  args: Record<string, unknown>,
  opts: { replacing?: number } = {},
): Promise<WorkerInspection> {
  let cache = caches.get(ctx.broker);
  if (!cache) caches.set(ctx.broker, (cache = new Map()));
  const key = JSON.stringify([ctx.celery.replyExchange, hostname, command, args]);
  const now = Date.now() / 1000;
  // A time in the future names no reply anyone saw (and would force a round on every refresh).
  const replacing = opts.replacing !== undefined && opts.replacing <= now ? opts.replacing : -Infinity;
  let entry = cache.get(key);
  if (!entry || entry.at <= replacing || now - entry.at > MAX_AGE_S) {
    const fresh: Entry = { at: now, value: inspectWorker(ctx, hostname, command, args) };
    fresh.value.catch(() => {
      if (cache.get(key) === fresh) cache.delete(key);
    });
    cache.delete(key); // re-inserted last: the Map's order is oldest first
    cache.set(key, fresh);
    for (const k of cache.keys()) {
      if (cache.size <= MAX_ENTRIES) break;
      cache.delete(k);
    }
    entry = fresh;
  }
  const at = entry.at;
  const reply = await entry.value.catch((err: unknown) => {
    // Too many rounds at once in this process: the page says so rather than failing (not remembered).
    if (err instanceof InspectBusyError) return { hostname, command, status: 'error' as const, error: err.message, elapsedMs: 0 };
    throw err;
  });
  return { ...reply, at, ageSeconds: Math.max(0, Date.now() / 1000 - at) };
}
