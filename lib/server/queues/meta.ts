import 'server-only';
import { z } from 'zod';
import type { TrellisContext } from '../context';

// Per-queue bookkeeping in the store hash `queueMeta` (field = queue name, value = JSON), written
// by the sampler: when Trellis first saw the queue, when it last held messages or had a consumer,
// the next-to-run message and when Trellis first saw it there (the enqueue-time fallback), and the
// latest rates.

export const QueueMetaSchema = z.object({
  firstSeen: z.number(),
  lastNonEmpty: z.number().nullable(),
  lastConsumer: z.number().nullable(),
  head: z.object({ id: z.string(), seenAt: z.number() }).nullable(),
  rates: z
    .object({ inPerSecond: z.number(), outPerSecond: z.number(), windowSeconds: z.number(), lowerBound: z.boolean(), at: z.number() })
    .nullable(),
  sampledAt: z.number().nullable(),
});
export type QueueMeta = z.infer<typeof QueueMetaSchema>;

export const newMeta = (now: number): QueueMeta => ({
  firstSeen: now,
  lastNonEmpty: null,
  lastConsumer: null,
  head: null,
  rates: null,
  sampledAt: null,
});

function parse(raw: string | null | undefined): QueueMeta | null {
  if (!raw) return null;
  try {
    const m = QueueMetaSchema.safeParse(JSON.parse(raw));
    return m.success ? m.data : null;
  } catch {
    return null;
  }
}

/** The sampler rewrites a queue's bookkeeping when it changed, and at least this often. */
export const META_REFRESH_SECONDS = 60;

/**
 * A queue's bookkeeping as of the sampler's latest sample: `sampledAt` is the time of that sample
 * (`queueSampledAt`) for a queue the sampler still samples — its bookkeeping is at most a refresh
 * old — and the queue's own last sample for one it no longer does.
 */
export function parseMeta(raw: string | null | undefined, samplerAt: number | null, intervalSeconds: number): QueueMeta | null {
  const m = parse(raw);
  if (m && m.sampledAt !== null && samplerAt !== null && samplerAt > m.sampledAt && samplerAt - m.sampledAt <= META_REFRESH_SECONDS + 2 * intervalSeconds) {
    m.sampledAt = samplerAt;
  }
  return m;
}

export async function readMeta(ctx: TrellisContext, queues: readonly string[]): Promise<Map<string, QueueMeta>> {
  const out = new Map<string, QueueMeta>();
  if (queues.length === 0) return out;
  const [raws, at] = await Promise.all([ctx.store.hmget(ctx.keys.queueMeta, ...queues), ctx.store.get(ctx.keys.queueSampledAt)]);
  const samplerAt = at === null ? null : Number(at);
  queues.forEach((q, i) => {
    const m = parseMeta(raws[i], Number.isFinite(samplerAt) ? samplerAt : null, ctx.config.sampleIntervalSeconds);
    if (m) out.set(q, m);
  });
  return out;
}

const META_SCAN_CAP = 5_000;

/** Queue names Trellis has bookkeeping for (bounded HSCAN of the field names). */
export async function knownQueueNames(ctx: TrellisContext): Promise<string[]> {
  const names: string[] = [];
  let cursor = '0';
  do {
    const [next, flat] = await ctx.store.hscan(ctx.keys.queueMeta, cursor, 'COUNT', 500);
    cursor = next;
    for (let i = 0; i < flat.length; i += 2) {
      const name = flat[i];
      if (name !== undefined) names.push(name);
    }
  } while (cursor !== '0' && names.length < META_SCAN_CAP);
  return names;
}

/** Stale: empty, no consumer, and nothing for a day (the oldest of the signals we have). */
export function isStale(meta: QueueMeta | undefined, depth: number, consumers: number, now: number, staleAfterSeconds = 86_400): boolean {
  if (depth > 0 || consumers > 0 || !meta) return false;
  const lastSign = Math.max(meta.firstSeen, meta.lastNonEmpty ?? 0, meta.lastConsumer ?? 0);
  return now - lastSign > staleAfterSeconds;
}
