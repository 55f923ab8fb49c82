import 'server-only';
import type { InspectCommand } from '../celery/control';
import type { TrellisContext } from '../context';

// The last successful `active_queues` reply of each worker, kept in this process so a worker that
// stops answering without going offline (a solo-pool worker running a task answers nothing and
// sends no heartbeat, protocol doc §6.4) still counts as its queues' consumer, marked busy, instead
// of the queue looking abandoned. Bounded: BUSY_WINDOW_S per entry, MAX_WORKERS per broker client.

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
