import { describe, expect, it } from 'vitest';
import { advanceArrivals, oldestArrival, type Cohort } from '@/lib/server/queues/arrivals';

// Arrival cohorts of one band: the next message's "first seen" time follows it through the queue.

describe('arrival cohorts', () => {
  it('starts with everything first seen now, and follows messages as older ones leave', () => {
    let c = advanceArrivals(null, { in: 0, out: 0 }, 3, 100);
    expect(c).toEqual([{ n: 3, t: 100 }]);
    c = advanceArrivals(c, { in: 2, out: 0 }, 5, 105);
    expect(c).toEqual([{ n: 3, t: 100 }, { n: 2, t: 105 }]);
    c = advanceArrivals(c, { in: 1, out: 3 }, 3, 110); // the first three left: the next came at 105
    expect(c).toEqual([{ n: 2, t: 105 }, { n: 1, t: 110 }]);
    expect(oldestArrival(c)).toBe(105);
    c = advanceArrivals(c, { in: 0, out: 1 }, 2, 115);
    expect(c).toEqual([{ n: 1, t: 105 }, { n: 1, t: 110 }]);
  });

  it('an emptied band forgets; the depth wins over counts that disagree with it', () => {
    const c = (): Cohort[] => [{ n: 2, t: 100 }, { n: 2, t: 105 }];
    expect(advanceArrivals(c(), { in: 0, out: 4 }, 0, 110)).toEqual([]);
    // A lower-bound flow said 1 in, 0 out, but the band holds 6: the unseen one is new too.
    expect(advanceArrivals(c(), { in: 1, out: 0 }, 6, 110)).toEqual([{ n: 2, t: 100 }, { n: 2, t: 105 }, { n: 2, t: 110 }]);
    // It says nothing left, yet the band shrank: the oldest went.
    expect(advanceArrivals(c(), { in: 0, out: 0 }, 3, 110)).toEqual([{ n: 1, t: 100 }, { n: 2, t: 105 }]);
    expect(oldestArrival([])).toBeNull();
  });

  it('stays bounded by merging the closest cohorts into the newer time (ages stay lower bounds)', () => {
    let c: Cohort[] | null = null;
    let depth = 0;
    for (let i = 0; i < 10; i++) {
      depth += 1;
      c = advanceArrivals(c, { in: 1, out: 0 }, depth, i === 5 ? 1000 + 5 * 10 + 1 : 1000 + i * 10, 4);
    }
    expect(c).toHaveLength(4);
    expect(c?.reduce((s, x) => s + x.n, 0)).toBe(10);
    expect(c?.[0]?.t).toBeGreaterThanOrEqual(1000);
    const times = c?.map((x) => x.t) ?? [];
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times[times.length - 1]).toBe(1090);
  });
});
