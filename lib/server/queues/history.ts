import 'server-only';
import { z } from 'zod';
import type { TrellisContext } from '../context';
import { parseMeta, type QueueMeta } from './meta';
import { bucket, decodeMinute, decodeRaw, fillIdle, RAW_HEARTBEAT_SECONDS, type Span } from './series';
import type { HistoryPoint, QueuePoint } from './types';

// Queues' depth/flow history: raw samples for the last hour, per-minute roll-ups for a day, and
// 10-minute buckets of the roll-ups for a week (at most ~1,440 points either way). Any number of
// queues in ONE store pipeline: their series, their sampler bookkeeping (when the sampler first and
// last looked at each) and the recorded gaps. Samples the sampler did not store come back between
// when it first and last sampled the queue — a raw sample as the one before it (it stores one only
// when something changed, or once a minute), an idle minute as zero; in a gap (no collector, so no
// sampler) they are unobserved (null), never values.

export type HistoryRange = '1h' | '24h' | '7d';

export interface QueueHistory {
  /** Seconds per point. */
  resolution: number;
  points: HistoryPoint[];
}

const RANGE_SECONDS: Record<HistoryRange, number> = { '1h': 3_600, '24h': 86_400, '7d': 7 * 86_400 };
/** Closed gaps the store keeps (collector/gaps.ts): with that many, what came before the oldest is unknown. */
const GAPS_KEPT = 1_000;

const GapSpan = z.object({ start: z.number(), end: z.number().nullable() });

function json<T>(raw: unknown, schema: z.ZodType<T>): T | null {
  if (typeof raw !== 'string' || raw === '') return null;
  try {
    return schema.safeParse(JSON.parse(raw)).data ?? null;
  } catch {
    return null;
  }
}

/** Recorded gaps (and the open one, until now) as spans. */
function unobservedSpans(rawGaps: unknown, openGap: unknown, now: number): Span[] {
  const list = Array.isArray(rawGaps) ? rawGaps : [];
  const spans = [...list, openGap].flatMap((raw) => {
    const g = json(raw, GapSpan);
    return g ? [{ start: g.start, end: g.end ?? now }] : [];
  });
  const oldest = spans[list.length - 1];
  if (list.length >= GAPS_KEPT && oldest) spans.push({ start: -Infinity, end: oldest.start });
  return spans;
}

export async function readHistories(ctx: TrellisContext, queues: readonly string[], range: HistoryRange, now = Date.now() / 1000): Promise<Map<string, QueueHistory>> {
  const out = new Map<string, QueueHistory>();
  if (queues.length === 0) return out;
  const raw = range === '1h';
  const since = now - RANGE_SECONDS[range];
  const pipe = ctx.store.pipeline();
  for (const q of queues) {
    pipe.zrangebyscore(ctx.keys.queueSeries(q, raw ? 'raw' : 'minute'), since, '+inf');
    // Raw: the sample before the window, which the window's first unchanged samples repeat.
    if (raw) pipe.zrevrangebyscore(ctx.keys.queueSeries(q, 'raw'), `(${since}`, '-inf', 'LIMIT', 0, 1);
  }
  pipe.hmget(ctx.keys.queueMeta, ...queues);
  pipe.lrange(ctx.keys.gaps, 0, -1);
  pipe.hget(ctx.keys.collectorStats, 'openGap');
  pipe.get(ctx.keys.queueSampledAt);
  const res = (await pipe.exec()) ?? [];
  const reply = (i: number): unknown => {
    const [err, value] = res[i] ?? [new Error('queue history: no reply'), null];
    if (err) throw err;
    return value;
  };
  const per = raw ? 2 : 1;
  const n = queues.length * per;
  const metas = reply(n) as Array<string | null>;
  const unobserved = unobservedSpans(reply(n + 1), reply(n + 2), now);
  const samplerAt = Number(reply(n + 3) ?? NaN);
  queues.forEach((q, i) => {
    const members = reply(i * per) as string[];
    const stored = members.map(raw ? decodeRaw : decodeMinute).filter((p): p is QueuePoint => p !== null);
    const previous = raw ? (reply(i * per + 1) as string[]).map(decodeRaw)[0] : undefined;
    const before = previous ? { t: previous.t, depth: previous.depth } : null;
    const points = withIdle(stored, parseMeta(metas[i], Number.isFinite(samplerAt) ? samplerAt : null, ctx.config.sampleIntervalSeconds), raw, raw ? ctx.config.sampleIntervalSeconds : 60, since, unobserved, before);
    out.set(q, { resolution: resolutionOf(ctx, range), points: range === '7d' ? bucket(points, 600) : points });
  });
  return out;
}

const resolutionOf = (ctx: TrellisContext, range: HistoryRange) => (range === '1h' ? ctx.config.sampleIntervalSeconds : range === '24h' ? 60 : 600);

/** Puts back the idle points between when the sampler first and last sampled the queue. */
function withIdle(stored: QueuePoint[], meta: QueueMeta | null, raw: boolean, step: number, since: number, unobserved: Span[], before: { t: number; depth: number } | null): HistoryPoint[] {
  if (!meta || meta.sampledAt === null) return stored;
  const firstStored = stored.reduce((m, p) => Math.min(m, p.t), Infinity);
  return fillIdle(stored, {
    step,
    span: raw ? 0 : 60,
    from: Math.max(since, Math.min(meta.firstSeen, firstStored)),
    // A raw sample a little after the last recorded one is sampling jitter; a minute is only known once over.
    to: raw ? meta.sampledAt + step / 4 : meta.sampledAt,
    anchor: raw ? meta.sampledAt : 0,
    unobserved,
    ...(raw ? { carry: { before, maxSilenceSeconds: RAW_HEARTBEAT_SECONDS + 2 * step } } : {}),
  });
}

export async function readHistory(ctx: TrellisContext, queue: string, range: HistoryRange, now = Date.now() / 1000): Promise<QueueHistory> {
  return (await readHistories(ctx, [queue], range, now)).get(queue) ?? { resolution: resolutionOf(ctx, range), points: [] };
}
