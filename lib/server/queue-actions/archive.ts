import 'server-only';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { notFound } from '@/lib/errors';
import type { TrellisContext } from '../context';
import type { ArchiveKeys } from './put-script';

// A purge archive on the broker (keys.ts): a meta hash, one list per priority band holding the
// messages byte for byte in the queue's orientation, and an entry in the queue's archive index.
// Every key carries the retention TTL; the index is pruned when read.

export interface BandCount {
  band: number;
  count: number;
}

export interface ArchiveView {
  id: string;
  queue: string;
  /** purge, or move (messages on their way to `to`: left here only if the move was interrupted). */
  kind: 'purge' | 'move';
  to: string | null;
  /** Epoch seconds. */
  at: number;
  by: string;
  /** As archived. */
  archived: BandCount[];
  /** Still in the archive now (a restore in progress or interrupted takes from here). */
  remaining: BandCount[];
  total: number;
  expiresAt: number;
}

const MetaSchema = z.object({
  queue: z.string(),
  kind: z.enum(['purge', 'move']),
  to: z.string().optional(),
  at: z.coerce.number(),
  by: z.string(),
  steps: z.string().transform((s) => s.split(',').map(Number)),
  expiresAt: z.coerce.number(),
  version: z.string().optional(),
});
type Meta = z.infer<typeof MetaSchema>;

/** Sortable by time, unguessable enough to be no handle for a typo. */
export function newArchiveId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function archiveKeys(ctx: TrellisContext, queue: string, id: string, steps: readonly number[]): ArchiveKeys {
  return { id, bands: steps.map((s) => ctx.keys.archiveMessages(id, s)), meta: ctx.keys.archiveMeta(id), index: ctx.keys.queueArchives(queue) };
}

/** The meta fields take-script writes for a new archive. */
export function metaFields(ctx: TrellisContext, m: { queue: string; kind: 'purge' | 'move'; to?: string; by: string; at: number }): Record<string, string> {
  return {
    queue: m.queue,
    kind: m.kind,
    ...(m.to ? { to: m.to } : {}),
    at: String(m.at),
    by: m.by,
    steps: ctx.config.prioritySteps.join(','),
    expiresAt: String(m.at + ctx.config.archiveRetentionSeconds),
  };
}

export interface LoadedArchive {
  meta: Meta;
  keys: ArchiveKeys;
  view: ArchiveView;
}

function toView(id: string, meta: Meta, raw: Record<string, string>, lengths: number[]): ArchiveView {
  const archived = meta.steps.map((band, i) => ({ band, count: Number(raw[`count:${i}`] ?? 0) }));
  const remaining = meta.steps.map((band, i) => ({ band, count: lengths[i] ?? 0 }));
  return {
    id, queue: meta.queue, kind: meta.kind, to: meta.to ?? null, at: meta.at, by: meta.by, archived, remaining,
    total: remaining.reduce((s, b) => s + b.count, 0), expiresAt: meta.expiresAt,
  };
}

async function readArchives(ctx: TrellisContext, queue: string, ids: readonly string[]): Promise<Array<LoadedArchive | null>> {
  const metas = await Promise.all(ids.map((id) => ctx.broker.hgetall(ctx.keys.archiveMeta(id))));
  const parsed = metas.map((raw) => MetaSchema.safeParse(raw));
  const pipe = ctx.broker.pipeline();
  parsed.forEach((p, i) => {
    if (p.success) for (const k of archiveKeys(ctx, queue, ids[i] ?? '', p.data.steps).bands) pipe.llen(k);
  });
  const lengths = ((await pipe.exec()) ?? []).map(([, v]) => Number(v) || 0);
  let at = 0;
  return parsed.map((p, i) => {
    const id = ids[i] ?? '';
    if (!p.success || p.data.queue !== queue) return null;
    const mine = lengths.slice(at, at + p.data.steps.length);
    at += p.data.steps.length;
    return { meta: p.data, keys: archiveKeys(ctx, queue, id, p.data.steps), view: toView(id, p.data, metas[i] ?? {}, mine) };
  });
}

/** A queue's archive; 404 when it is unknown, expired, fully restored or belongs to another queue. */
export async function loadArchive(ctx: TrellisContext, queue: string, id: string): Promise<LoadedArchive> {
  const [found] = await readArchives(ctx, queue, [id]);
  if (!found) throw notFound(`archive ${id} of queue "${queue}" (expired, deleted or fully restored)`);
  return found;
}

export const MAX_LISTED_ARCHIVES = 200;

/** The queue's archives, newest first (at most 200); expired ones leave the index here. */
export async function listArchives(ctx: TrellisContext, queue: string): Promise<{ items: ArchiveView[]; nextCursor: null }> {
  const index = ctx.keys.queueArchives(queue);
  await ctx.broker.zremrangebyscore(index, '-inf', Date.now() / 1000 - ctx.config.archiveRetentionSeconds);
  const ids = await ctx.broker.zrevrange(index, 0, MAX_LISTED_ARCHIVES - 1);
  const loaded = await readArchives(ctx, queue, ids);
  const gone = ids.filter((_, i) => loaded[i] === null);
  if (gone.length) await ctx.broker.zrem(index, ...gone);
  return { items: loaded.flatMap((a) => (a ? [a.view] : [])), nextCursor: null };
}

/** Deletes an archive for good (UNLINK: a large list is freed off the main thread). */
export async function dropArchive(ctx: TrellisContext, a: LoadedArchive): Promise<void> {
  await ctx.broker.multi().unlink(...a.keys.bands, a.keys.meta).zrem(a.keys.index, a.keys.id).exec();
}
