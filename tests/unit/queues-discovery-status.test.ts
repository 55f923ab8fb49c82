import { describe, expect, it } from 'vitest';
import { discoveryStatus, parseDiscoveryState, serializeDiscoveryState } from '@/lib/server/queues/discovery-status';
import { passRestMs } from '@/lib/server/queues/discovery-scan';
import { singleFlight } from '@/lib/server/single-flight';

describe('queue discovery status', () => {
  it('is incomplete with no progress before any pass, and reads back what was stored', () => {
    expect(discoveryStatus(parseDiscoveryState({}))).toEqual({ status: 'incomplete', lastFullPassAt: null, lastPassSeconds: null, passStartedAt: null, passProgress: null });
    const mid = { cursor: '123', passStartedAt: 100, examined: 20_000, keysAtStart: 40_000, lastFullPassAt: undefined, lastPassSeconds: undefined };
    expect(parseDiscoveryState(serializeDiscoveryState(mid))).toEqual(mid);
    expect(discoveryStatus(mid)).toMatchObject({ status: 'incomplete', passStartedAt: 100, passProgress: 0.5 });
  });

  it('never says 1 before the cursor ends the pass (the examined count is an estimate); complete once a pass ended', () => {
    const over = parseDiscoveryState({ cursor: '9', passStartedAt: '5', examined: '50000', keysAtStart: '40000', lastFullPassAt: '4', lastPassSeconds: '1.5' });
    expect(discoveryStatus(over)).toEqual({ status: 'complete', lastFullPassAt: 4, lastPassSeconds: 1.5, passStartedAt: 5, passProgress: 0.99 });
  });

  it('falls back to a fresh state on garbage', () => {
    expect(parseDiscoveryState({ cursor: 'abc', examined: 'x' })).toMatchObject({ cursor: '0', examined: 0 });
  });

  it('rests twice the last pass between passes, 5 s to 60 s', () => {
    expect([passRestMs(0), passRestMs(12), passRestMs(120)]).toEqual([5_000, 24_000, 60_000]);
  });
});

describe('singleFlight', () => {
  it('shares one read among concurrent callers of a key, and reads again once it settled', async () => {
    const owner = {};
    let reads = 0;
    const read = () => singleFlight(owner, 'k', async () => {
      reads += 1;
      await new Promise((r) => setTimeout(r, 10));
      return reads;
    });
    expect(await Promise.all([read(), read(), read()])).toEqual([1, 1, 1]);
    expect(await read()).toBe(2);
    // Another owner (another Redis client) never shares.
    expect(await Promise.all([read(), singleFlight({}, 'k', async () => 'other')])).toEqual([3, 'other']);
  });
});
