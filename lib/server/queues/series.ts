// Depth series encoding and roll-up. Pure. Raw samples (kept an hour) are `t,depth,in,out` members
// scored by time; per-minute roll-ups (kept 7 days) are `minute,last,max,in,out` scored by the
// minute's start. Members carry their time, so they are unique and a re-write is idempotent.

import type { QueuePoint } from './types';

export const RAW_KEEP_SECONDS = 3_600;
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

/** A minute with nothing waiting and nothing moving is not stored (readers treat a missing minute as idle). */
export const isIdleMinute = (m: MinuteAggregate) => m.max === 0 && m.in === 0 && m.out === 0;

/** Buckets points into `seconds`-wide buckets: last depth, max depth, summed flow. */
export function bucket(points: readonly QueuePoint[], seconds: number): QueuePoint[] {
  const out = new Map<number, QueuePoint>();
  for (const p of points) {
    const t = Math.floor(p.t / seconds) * seconds;
    const b = out.get(t);
    if (!b) out.set(t, { ...p, t });
    else out.set(t, { t, depth: p.depth, maxDepth: Math.max(b.maxDepth, p.maxDepth), in: b.in + p.in, out: b.out + p.out });
  }
  return [...out.values()].sort((a, b) => a.t - b.t);
}
