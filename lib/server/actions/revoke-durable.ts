import 'server-only';
import { z } from 'zod';
import { isFinalState } from '../celery/states';
import type { TrellisContext } from '../context';
import { logger } from '../logger';
import { deriveTask } from '../tasks/derive';
import { parseTaskDoc } from '../tasks/task-doc';
import { broadcastRevoke, type RevokeOptions, type WorkerRevokeReply } from './revoke-broadcast';

// Durable revokes (ADR 0023): a worker keeps revoked ids in memory only, at most 50,000, for 3
// hours, and forgets them on restart (protocol doc §6.6). Trellis keeps every revoked id that is not
// final yet (keys.revokes: id → when; keys.revokeOptions: id → options) and sends them again to
// each worker that comes online and to every worker before the 3 hours are up (revoke-job.ts).

/** As many as one worker keeps (§6.6): beyond this the oldest are dropped (health and ADR 0023 say so). */
export const MAX_DURABLE_REVOKES = 50_000;
/** An id Trellis never sees finish is dropped after this long (the store's retention is shorter). */
export const DURABLE_MAX_AGE_S = 7 * 86_400;

const StoredOptions = z.object({ terminate: z.boolean(), signal: z.string().optional(), by: z.string() });
type StoredOptions = z.infer<typeof StoredOptions>;

/** Adds ids (now), then keeps the newest MAX_DURABLE_REVOKES; returns how many older ids were dropped. */
export async function rememberRevokes(ctx: TrellisContext, ids: readonly string[], options: StoredOptions): Promise<number> {
  const now = Date.now() / 1000;
  const json = JSON.stringify(options);
  for (let i = 0; i < ids.length; i += 5_000) {
    const chunk = ids.slice(i, i + 5_000);
    await ctx.store
      .pipeline()
      .zadd(ctx.keys.revokes, ...chunk.flatMap((id) => [now, id]))
      .hset(ctx.keys.revokeOptions, Object.fromEntries(chunk.map((id) => [id, json])))
      .exec();
  }
  return trimDurable(ctx);
}

async function trimDurable(ctx: TrellisContext): Promise<number> {
  const size = await ctx.store.zcard(ctx.keys.revokes);
  if (size <= MAX_DURABLE_REVOKES) return 0;
  const popped = await ctx.store.zpopmin(ctx.keys.revokes, size - MAX_DURABLE_REVOKES);
  const dropped = popped.filter((_, i) => i % 2 === 0);
  if (dropped.length) {
    await ctx.store.hdel(ctx.keys.revokeOptions, ...dropped);
    logger.warn({ dropped: dropped.length, kept: MAX_DURABLE_REVOKES }, 'durable revokes over the workers’ 50,000-id limit: the oldest were dropped');
  }
  return dropped.length;
}

export interface DurableRevoke {
  id: string;
  at: number;
  options: StoredOptions;
}

export async function listDurableRevokes(ctx: TrellisContext): Promise<DurableRevoke[]> {
  const flat = await ctx.store.zrange(ctx.keys.revokes, 0, MAX_DURABLE_REVOKES - 1, 'WITHSCORES');
  const out: DurableRevoke[] = [];
  for (let i = 0; i < flat.length; i += 5_000 * 2) {
    const part = flat.slice(i, i + 5_000 * 2);
    const ids = part.filter((_, j) => j % 2 === 0);
    const opts = ids.length ? await ctx.store.hmget(ctx.keys.revokeOptions, ...ids) : [];
    ids.forEach((id, j) => {
      const parsed = StoredOptions.safeParse(safeJson(opts[j] ?? null));
      out.push({ id, at: Number(part[j * 2 + 1]), options: parsed.success ? parsed.data : { terminate: false, by: 'unknown' } });
    });
  }
  return out;
}

/** Sends the durable revokes again (to `destination`, or all workers), grouped by their options. */
export async function resendDurableRevokes(ctx: TrellisContext, destination: string[] | null): Promise<{ ids: number; replies: WorkerRevokeReply[] }> {
  const all = await listDurableRevokes(ctx);
  const groups = new Map<string, { options: RevokeOptions; ids: string[] }>();
  for (const r of all) {
    const options: RevokeOptions = { terminate: r.options.terminate, signal: r.options.signal };
    const key = JSON.stringify(options);
    const g = groups.get(key) ?? { options, ids: [] };
    g.ids.push(r.id);
    groups.set(key, g);
  }
  const replies: WorkerRevokeReply[] = [];
  for (const g of groups.values()) replies.push(...(await broadcastRevoke(ctx, g.ids, g.options, destination)));
  return { ids: all.length, replies };
}

/**
 * Which durable revokes are done with: final in the store, or older than DURABLE_MAX_AGE_S. The
 * rest are returned as `open` (the caller checks them against the result backend).
 */
export async function classifyDurable(ctx: TrellisContext, revokes: readonly DurableRevoke[], nowS: number): Promise<{ done: string[]; open: string[] }> {
  const done: string[] = [];
  const open: string[] = [];
  for (let i = 0; i < revokes.length; i += 1_000) {
    const chunk = revokes.slice(i, i + 1_000);
    const raws = await ctx.store.mget(chunk.map((r) => ctx.keys.task(r.id)));
    chunk.forEach((r, j) => {
      const doc = parseTaskDoc(raws[j], r.id);
      const state = doc ? deriveTask(r.id, doc).state : null;
      if ((state !== null && isFinalState(state)) || nowS - r.at > DURABLE_MAX_AGE_S) done.push(r.id);
      else open.push(r.id);
    });
  }
  return { done, open };
}

export async function forgetDurable(ctx: TrellisContext, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 5_000) {
    const chunk = ids.slice(i, i + 5_000);
    await ctx.store.pipeline().zrem(ctx.keys.revokes, ...chunk).hdel(ctx.keys.revokeOptions, ...chunk).exec();
  }
}

function safeJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
