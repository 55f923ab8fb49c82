import { describe, expect, it } from 'vitest';
import { bandFlow, drainSeconds, ratesOver } from '@/lib/server/queues/flow';
import { bucket, decodeMinute, decodeRaw, encodeMinute, encodeRaw, foldMinute } from '@/lib/server/queues/series';
import { isStale, newMeta } from '@/lib/server/queues/meta';
import { pagePlan } from '@/lib/server/queues/peek';

describe('band flow from list observation', () => {
  it('is exact when the previous newest message is found by LPOS', () => {
    expect(bandFlow(10, { depth: 12, lpos: 5, searched: 10_000 })).toEqual({ in: 5, out: 3, lowerBound: false });
  });
  it('is a lower bound when the previous newest is gone or the band was empty', () => {
    expect(bandFlow(10, { depth: 4, lpos: null, searched: 10_000 })).toEqual({ in: 4, out: 10, lowerBound: true });
    expect(bandFlow(0, { depth: 3, lpos: undefined, searched: 10_000 })).toEqual({ in: 3, out: 0, lowerBound: true });
    expect(bandFlow(5, { depth: 20_000, lpos: null, searched: 10_000 })).toEqual({ in: 10_000, out: 0, lowerBound: true });
    expect(bandFlow(null, { depth: 3, lpos: undefined, searched: 10_000 })).toEqual({ in: 0, out: 0, lowerBound: true });
    // The search budget ran out after 40 messages: at least 40 are new.
    expect(bandFlow(100, { depth: 150, lpos: null, searched: 40 })).toEqual({ in: 40, out: 0, lowerBound: true });
  });
  it('never reports negative outflow (restored messages are RPUSHed)', () => {
    expect(bandFlow(2, { depth: 5, lpos: 1, searched: 10_000 }).out).toBe(0);
  });
});

describe('rates and drain time', () => {
  const s = [
    { t: 100, dt: 5, in: 10, out: 20, lowerBound: false },
    { t: 105, dt: 5, in: 10, out: 30, lowerBound: false },
    { t: 200, dt: 5, in: 0, out: 10, lowerBound: true },
  ];
  it('averages over the window only', () => {
    expect(ratesOver(s.slice(0, 2), 60)).toEqual({ inPerSecond: 2, outPerSecond: 5, windowSeconds: 10, lowerBound: false, at: 105 });
    expect(ratesOver(s, 60)).toMatchObject({ inPerSecond: 0, outPerSecond: 2, lowerBound: true, at: 200 });
    expect(ratesOver([], 60)).toBeNull();
  });
  it('estimates drain time from the net rate', () => {
    expect(drainSeconds(30, { inPerSecond: 2, outPerSecond: 5 })).toBe(10);
    expect(drainSeconds(30, { inPerSecond: 5, outPerSecond: 2 })).toBeNull();
    expect(drainSeconds(0, null)).toBe(0);
    expect(drainSeconds(3, null)).toBeNull();
  });
});

describe('series encoding and roll-up', () => {
  it('round-trips raw and minute members', () => {
    expect(decodeRaw(encodeRaw({ t: 1_800_000_000.5, depth: 7, in: 2, out: 1 }))).toEqual({ t: 1_800_000_000.5, depth: 7, maxDepth: 7, in: 2, out: 1 });
    expect(decodeMinute(encodeMinute({ minute: 30_000_000, last: 3, max: 9, in: 4, out: 5 }))).toEqual({ t: 1_800_000_000, depth: 3, maxDepth: 9, in: 4, out: 5 });
    expect(decodeRaw('junk')).toBeNull();
  });
  it('folds samples into minutes and reports a finished minute once', () => {
    let a = foldMinute(null, { t: 60, depth: 5, in: 1, out: 0 });
    a = foldMinute(a.current, { t: 90, depth: 9, in: 2, out: 1 });
    expect(a.finished).toBeNull();
    const b = foldMinute(a.current, { t: 120, depth: 1, in: 0, out: 8 });
    expect(b.finished).toEqual({ minute: 1, last: 9, max: 9, in: 3, out: 1 });
  });
  it('buckets minutes into coarser points (last depth, max depth, summed flow)', () => {
    const pts = [0, 60, 600].map((t, i) => ({ t, depth: i + 1, maxDepth: 10 * (i + 1), in: 1, out: 2 }));
    expect(bucket(pts, 600)).toEqual([
      { t: 0, depth: 2, maxDepth: 20, in: 2, out: 4 },
      { t: 600, depth: 3, maxDepth: 30, in: 1, out: 2 },
    ]);
  });
});

describe('stale queues', () => {
  const day = 86_400;
  it('is stale only when empty, without consumer, and nothing happened for a day', () => {
    const m = { ...newMeta(0), lastNonEmpty: 10 };
    expect(isStale(m, 0, 0, 10 + day + 1)).toBe(true);
    expect(isStale(m, 0, 0, 10 + day - 1)).toBe(false);
    expect(isStale(m, 1, 0, 10 * day)).toBe(false);
    expect(isStale(m, 0, 1, 10 * day)).toBe(false);
    expect(isStale(undefined, 0, 0, 10 * day)).toBe(false);
  });
});

describe('peek pagination across priority bands', () => {
  const bands = [
    { step: 0, key: 'q', depth: 3 },
    { step: 3, key: 'q3', depth: 0 },
    { step: 6, key: 'q6', depth: 4 },
  ];
  it('walks band 0 first, then the next non-empty band', () => {
    expect(pagePlan(bands, 0, 5)).toEqual({ total: 7, plan: [{ step: 0, key: 'q', from: 0, to: 3, position: 0 }, { step: 6, key: 'q6', from: 0, to: 2, position: 3 }] });
    expect(pagePlan(bands, 5, 10).plan).toEqual([{ step: 6, key: 'q6', from: 2, to: 4, position: 5 }]);
    expect(pagePlan(bands, 7, 10).plan).toEqual([]);
  });
});
