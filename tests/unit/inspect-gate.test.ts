import { describe, expect, it } from 'vitest';
import { AppError } from '@/lib/errors';
import { CallGate, MAX_IN_FLIGHT, MAX_WAITING } from '@/lib/server/inspect/call-gate';

// The inspect gate on its own, with rounds that end when the test says so.

function latch() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('CallGate', () => {
  it('runs at most MAX_IN_FLIGHT rounds, queues MAX_WAITING more in order, refuses the rest with UNAVAILABLE', async () => {
    const gate = new CallGate<string>();
    const release = latch();
    const started: number[] = [];
    const calls = Array.from({ length: 100 }, (_, i) =>
      gate.run(`k${i}`, async () => {
        started.push(i);
        await release.opened;
        return `r${i}`;
      }),
    );
    const settled = Promise.allSettled(calls);
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toEqual(Array.from({ length: MAX_IN_FLIGHT }, (_, i) => i));
    expect(gate.load()).toEqual({ inFlight: MAX_IN_FLIGHT, waiting: MAX_WAITING, peakInFlight: MAX_IN_FLIGHT });
    release.open();
    const results = await settled;
    const accepted = MAX_IN_FLIGHT + MAX_WAITING;
    expect(results.slice(0, accepted).map((r) => (r.status === 'fulfilled' ? r.value : null))).toEqual(Array.from({ length: accepted }, (_, i) => `r${i}`));
    for (const r of results.slice(accepted)) {
      expect(r.status).toBe('rejected');
      expect(r.status === 'rejected' && r.reason instanceof AppError && r.reason.code).toBe('UNAVAILABLE');
    }
    expect(started).toEqual(Array.from({ length: accepted }, (_, i) => i)); // the refused never ran
    expect(gate.load()).toEqual({ inFlight: 0, waiting: 0, peakInFlight: MAX_IN_FLIGHT });
  });

  it('coalesces identical concurrent calls into one round, and runs again once it is over', async () => {
    const gate = new CallGate<number>();
    let rounds = 0;
    const release = latch();
    const round = async () => {
      rounds += 1;
      await release.opened;
      return rounds;
    };
    const same = Array.from({ length: 100 }, () => gate.run('same', round));
    release.open();
    expect(new Set(await Promise.all(same))).toEqual(new Set([1]));
    expect(await gate.run('same', round)).toBe(2);
  });

  it('frees the slot of a round that fails', async () => {
    const gate = new CallGate<number>(1, 0);
    await expect(gate.run('a', () => Promise.reject(new Error('broker down')))).rejects.toThrow('broker down');
    expect(await gate.run('a', async () => 7)).toBe(7);
  });
});
