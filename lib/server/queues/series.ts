// Depth series encoding, roll-up and reading. Pure. Raw samples (kept an hour) are `t,depth,in,out`
// members scored by time; per-minute roll-ups (kept 7 days) are `minute,last,max,in,out` scored by
// the minute's start. Members carry their time, so they are unique and a re-write is idempotent.
// Unchanged raw samples and idle minutes are mostly not stored; readers put them back (fillIdle):
// a raw sample as the one before it, a minute as zero — but only where the sampler ran: in a gap
// (no collector) a missing point is unknown, not a value.

import type { HistoryPoint, QueuePoint } from './types';

export const RAW_KEEP_SECONDS = 3_600;
/** The sampler stores a raw sample when it changed, and at least this often. */
export const RAW_HEARTBEAT_SECONDS = 60;
/** Raw samples are kept this much past the hour, so the sample just before a 1 h window (the one
 *  its first unchanged samples repeat) is still there. */
export const RAW_TRIM_MARGIN_SECONDS = 2 * RAW_HEARTBEAT_SECONDS;
export const MINUTE_KEEP_SECONDS = 7 * 86_400;

export function encodeRaw(p: { t: number; depth: number; in: number; out: number }): string {
  return `${p.t.toFixed(3)},${p.depth},${p.in},${p.out}`;
}

export function decodeRaw(member: string): QueuePoint | null {
  const [t, d, i, o] = member.split(',').map(Number);
  if (![t, d, i, o].every((n) => Number.isFinite(n))) return null;
  return { t: t as number, depth: d as number, maxDepth: d as number, in: i as number, out: o as number };
}

export interface MinuteAggregate {
  minute: number;
  last: number;
  max: number;
  in: number;
  out: number;
}

export function encodeMinute(m: MinuteAggregate): string {
  return `${m.minute},${m.last},${m.max},${m.in},${m.out}`;
}

export function decodeMinute(member: string): QueuePoint | null {
  const [m, last, max, i, o] = member.split(',').map(Number);
  if (![m, last, max, i, o].every((n) => Number.isFinite(n))) return null;
  return { t: (m as number) * 60, depth: last as number, maxDepth: max as number, in: i as number, out: o as number };
}

/** Folds one sample into the running minute aggregate; returns the finished minute when it rolled over. */
export function foldMinute(
  current: MinuteAggregate | null,
  s: { t: number; depth: number; in: number; out: number },
): { current: MinuteAggregate; finished: MinuteAggregate | null } {
  const minute = Math.floor(s.t / 60);
  if (!current || current.minute !== minute) {
    return { current: { minute, last: s.depth, max: s.depth, in: s.in, out: s.out }, finished: current };
  }
  return {
    current: { minute, last: s.depth, max: Math.max(current.max, s.depth), in: current.in + s.in, out: current.out + s.out },
    finished: null,
  };
}

/** A minute with nothing waiting and nothing moving is not stored (readers put it back as zero where the sampler ran: fillIdle). */
export const isIdleMinute = (m: MinuteAggregate) => m.max === 0 && m.in === 0 && m.out === 0;

/** Buckets points into `seconds`-wide buckets: last depth, max depth, summed flow; unobserved only when no point in it was observed. */
export function bucket(points: readonly HistoryPoint[], seconds: number): HistoryPoint[] {
  const out = new Map<number, HistoryPoint>();
  for (const p of points) {
    const t = Math.floor(p.t / seconds) * seconds;
    const b = out.get(t);
    if (!b || b.depth === null) out.set(t, { ...p, t });
    else if (p.depth !== null) out.set(t, { t, depth: p.depth, maxDepth: Math.max(b.maxDepth, p.maxDepth), in: b.in + p.in, out: b.out + p.out });
  }
  return [...out.values()].sort((a, b) => a.t - b.t);
}

export interface Span {
  start: number;
  end: number;
}

export interface FillOptions {
  /** Seconds between points: the sampling interval (raw samples) or 60 (minutes). */
  step: number;
  /** Seconds a point describes from its time on: 0 for a raw sample, 60 for a minute. */
  span: number;
  /** The sampler watched the queue from then on (the window start, or when it first saw the queue). */
  from: number;
  /** …until then (its last sample of the queue). */
  to: number;
  /** A time on the points' grid, for a window without any stored point (a minute start, or the last sample). */
  anchor: number;
  /** Periods no collector observed (recorded gaps): a missing point there is unknown. */
  unobserved: readonly Span[];
  /** Raw samples: the sampler skips a sample that equals the one before (same depth, nothing
   *  moved), so a missing point repeats the depth of the stored point before it (or `before`, the
   *  last point before the window) with no flow, instead of zero. */
  carry?: {
    /** The last stored sample before the window, when there is one. */
    before: { t: number; depth: number } | null;
    /** The sampler stores a sample at least this often: a longer silence means it did not run
     *  (broker unreachable, sample failed), so nothing is repeated across it. */
    maxSilenceSeconds: number;
  };
}

/** A missing point closer than this many steps to a stored one is sampling jitter, not a skipped sample. */
const JITTER = 0.75;

/**
 * The stored points with every missing point between `from` and `to` put back, one per `step`:
 * a zero point (the sampler saw nothing waiting and nothing moving, so it did not store it), or an
 * unobserved (null) point where it overlaps a gap.
 */
export function fillIdle(points: readonly QueuePoint[], o: FillOptions): HistoryPoint[] {
  let held: { t: number; depth: number } | null = o.carry?.before ?? null;
  const missing = (t: number): HistoryPoint => {
    const unknown: HistoryPoint = { t, depth: null, maxDepth: null, in: null, out: null };
    if (o.unobserved.some((g) => t <= g.end && t + o.span >= g.start)) return unknown;
    if (!o.carry) return { t, depth: 0, maxDepth: 0, in: 0, out: 0 };
    // Repeat the stored sample before, only as far as the sampler is known to have been running.
    if (!held || t - held.t > o.carry.maxSilenceSeconds) return unknown;
    return { t, depth: held.depth, maxDepth: held.depth, in: 0, out: 0 };
  };
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  // Before the first stored point (with none, the whole window on the anchor's grid), stepping back.
  const leading: number[] = [];
  const start = first ? first.t - o.step : o.anchor + Math.floor((o.to - o.span - o.anchor) / o.step) * o.step;
  for (let t = start; t >= o.from; t -= o.step) if (t + o.span <= o.to) leading.push(t);
  const out = leading.reverse().map(missing);
  sorted.forEach((p, i) => {
    out.push(p);
    held = p;
    const next = sorted[i + 1];
    // Between two stored points the sampler ran (unless a gap says otherwise).
    if (next) for (let t = p.t + o.step; t <= next.t - JITTER * o.step; t += o.step) out.push(missing(t));
  });
  if (last) for (let t = last.t + o.step; t + o.span <= o.to; t += o.step) out.push(missing(t));
  return out;
}
