import 'server-only';
import type { InspectCommand } from '../celery/control';
import { z } from 'zod';
import type { TrellisContext } from '../context';

// The last successful `active_queues` reply of each worker, so a worker that stops answering
// without going offline (a solo-pool worker running a task answers nothing and sends no heartbeat,
// protocol doc §6.4) still counts as its queues' consumer, marked busy, instead of the queue looking
// abandoned. Kept in this process and in the store (one hash per command), so a process that started
// while the worker was busy knows it too. Bounded: BUSY_WINDOW_S per entry, MAX_WORKERS per broker client.

/** How long a worker that stopped answering (and is not offline) is still taken as busy rather than gone. */
export const BUSY_WINDOW_S = 10 * 60;
const MAX_WORKERS = 10_000;
const REMEMBERED: ReadonlySet<InspectCommand> = new Set(['active_queues']);

export interface RememberedReply {
  reply: unknown;
  /** Epoch seconds of the reply. */
  at: number;
}

const memories = new WeakMap<object, Map<string, RememberedReply>>();

function memory(ctx: TrellisContext, command: InspectCommand): Map<string, RememberedReply> | null {
  if (!REMEMBERED.has(command)) return null;
  let m = memories.get(ctx.broker);
  if (!m) memories.set(ctx.broker, (m = new Map()));
  return m;
}

export function remember(ctx: TrellisContext, command: InspectCommand, hostname: string, reply: unknown, at: number): void {
  const m = memory(ctx, command);
  if (!m) return;
  m.delete(hostname); // re-inserted last: the Map's order is oldest reply first
  m.set(hostname, { reply, at });
  for (const host of m.keys()) {
    if (m.size <= MAX_WORKERS) break;
    m.delete(host);
  }
}

export function forget(ctx: TrellisContext, command: InspectCommand, hostname: string): void {
  memory(ctx, command)?.delete(hostname);
}

/** One worker's remembered reply to `command`, if younger than BUSY_WINDOW_S. */
export function recall(ctx: TrellisContext, command: InspectCommand, hostname: string, now: number): RememberedReply | undefined {
  const r = memory(ctx, command)?.get(hostname);
  return r && now - r.at <= BUSY_WINDOW_S ? r : undefined;
}

/** Workers with a remembered reply to `command` younger than BUSY_WINDOW_S (older ones are dropped). */
export function recalled(ctx: TrellisContext, command: InspectCommand, now: number): Map<string, RememberedReply> {
  const m = memory(ctx, command);
  if (!m) return new Map();
  for (const [host, r] of m) if (now - r.at > BUSY_WINDOW_S) m.delete(host);
  return new Map(m);
}

const Stored = z.object({ reply: z.unknown(), at: z.number() });
const hydrated = new WeakMap<object, Set<InspectCommand>>();

/** Once per process and command: what other processes remembered, younger than BUSY_WINDOW_S
 *  (older entries are removed from the store). Store errors leave this process' memory as it is. */
export async function hydrate(ctx: TrellisContext, command: InspectCommand, now: number): Promise<void> {
  const m = memory(ctx, command);
  let done = hydrated.get(ctx.broker);
  if (!m || done?.has(command)) return;
  if (!done) hydrated.set(ctx.broker, (done = new Set()));
  done.add(command);
  const key = ctx.keys.inspectLastReplies(command);
  const all = await ctx.store.hgetall(key).catch(() => ({}) as Record<string, string>);
  const old: string[] = [];
  for (const [host, raw] of Object.entries(all)) {
    let entry: RememberedReply | undefined;
    try {
      entry = Stored.safeParse(JSON.parse(raw)).data as RememberedReply | undefined;
    } catch {
      entry = undefined;
    }
    if (!entry || now - entry.at > BUSY_WINDOW_S) old.push(host);
    else if (!m.has(host)) m.set(host, entry);
  }
  if (old.length > 0) await ctx.store.hdel(key, ...old).catch(() => undefined);
}

/** Writes this round's successful replies and forgotten workers to the store, in one round trip. */
export async function persist(ctx: TrellisContext, command: InspectCommand, answered: readonly string[], forgotten: readonly string[]): Promise<void> {
  const m = memory(ctx, command);
  if (!m || (answered.length === 0 && forgotten.length === 0)) return;
  const key = ctx.keys.inspectLastReplies(command);
  const fields: Record<string, string> = {};
  for (const host of answered) {
    const r = m.get(host);
    if (r) fields[host] = JSON.stringify(r);
  }
  const pipe = ctx.store.pipeline();
  if (Object.keys(fields).length > 0) pipe.hset(key, fields);
  if (forgotten.length > 0) pipe.hdel(key, ...forgotten);
  pipe.expire(key, 2 * BUSY_WINDOW_S);
  await pipe.exec().catch(() => undefined);
}
