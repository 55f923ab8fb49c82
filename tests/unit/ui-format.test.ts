import { describe, expect, it } from 'vitest';
import { recentRates, throughputRows } from '@/lib/chart-series';
import { formatDrain, formatDuration, formatExact, formatRelative, formatWaited } from '@/lib/format';

describe('display formatting', () => {
  it('says how a queue drains and how long its next message waited, honest about what is known', () => {
    expect(formatDrain({ depth: 0, drainSeconds: 0 })).toBe('empty');
    expect(formatDrain({ depth: 5, drainSeconds: null })).toBe('not draining');
    expect(formatDrain({ depth: 5, drainSeconds: 90 })).toBe('90.0 s');
    expect(formatWaited({ depth: 3, oldestAgeSeconds: 30, oldestAgeSource: 'sent' })).toBe('30.0 s');
    expect(formatWaited({ depth: 3, oldestAgeSeconds: 30, oldestAgeSource: 'first-seen' })).toBe('≥ 30.0 s');
    expect(formatWaited({ depth: 3, oldestAgeSeconds: null, oldestAgeSource: 'unknown' })).toBe('unknown');
    expect(formatWaited({ depth: 0, oldestAgeSeconds: null, oldestAgeSource: null })).toBe('—');
  });

  it('says relative times plainly, tolerating small clock skew', () => {
    expect(formatRelative(1000, 1002)).toBe('just now');
    expect(formatRelative(1003, 1000)).toBe('just now');
    expect(formatRelative(1000, 1030)).toBe('30 s ago');
    expect(formatRelative(1000, 1000 + 180)).toBe('3 min ago');
    expect(formatRelative(1000, 1000 + 7200)).toBe('2 h ago');
    expect(formatRelative(1000 + 600, 1000)).toBe('in 10 min');
  });

  it('formats exact times in UTC on request', () => {
    expect(formatExact(1795333003.73, true)).toBe('2026-11-22 07:36:43.730 UTC');
  });

  it('formats durations', () => {
    expect(formatDuration(0.0123)).toBe('12 ms');
    expect(formatDuration(2.5)).toBe('2.50 s');
    expect(formatDuration(600)).toBe('10.0 min');
    expect(formatDuration(null)).toBe('—');
  });
});

describe('chart series', () => {
  const point = (minute: number, succeeded: number, failed: number, retried: number) => ({ minute, counts: { succeeded, failed, retried }, runtimeP50: null, runtimeP95: null });

  it('sums minutes into 10-minute rows for 24 h', () => {
    const points = Array.from({ length: 1440 }, (_, i) => point(i * 60, 1, 0, 0));
    const rows = throughputRows(points);
    expect(rows).toHaveLength(144);
    expect(rows[0]).toEqual({ t: 0, succeeded: 10, failed: 0, retried: 0 });
    expect(throughputRows(points.slice(0, 60))).toHaveLength(60);
  });

  it('computes headline rates over complete minutes only', () => {
    const points = [point(0, 8, 2, 1), point(60, 8, 2, 1), point(120, 100, 100, 100)];
    expect(recentRates(points, 2)).toEqual({ tasksPerMinute: 10, retriesPerMinute: 1, failureRate: 0.2 });
    expect(recentRates([point(0, 0, 0, 0), point(60, 0, 0, 0)]).failureRate).toBeNull();
  });
});
