import { describe, expect, it } from 'vitest';
import { explain } from '@/lib/server/collector/ingest/event-subscriber';

// Why the event subscription was lost, from the server seen before and after the reconnection.

const mark = (address: string, runId: string | null, outputBufferDisconnects: number | null = 0) => ({ address, runId, outputBufferDisconnects });

describe('explain a lost subscription', () => {
  it('names a failover: another address and another server', () => {
    expect(explain(mark('10.0.0.1:6379', 'a'), mark('10.0.0.2:6379', 'b'))).toBe("the broker's master changed to 10.0.0.2:6379 (a failover; connection lost)");
  });

  it('does not take the same server reached at another address for a failover', () => {
    expect(explain(mark('127.0.0.1:6379', 'a', 3), mark('::1:6379', 'a', 4))).toMatch(/output-buffer limit exceeded/);
  });

  it('names a restart, a buffer-limit drop, and a drop while Redis stayed up', () => {
    expect(explain(mark('h:1', 'a'), mark('h:1', 'b'))).toBe('Redis restarted (connection lost)');
    expect(explain(mark('h:1', 'a', 1), mark('h:1', 'a', 2))).toMatch(/^subscriber dropped by Redis: pub\/sub output-buffer limit exceeded/);
    expect(explain(mark('h:1', 'a', null), mark('h:1', 'a', null))).toMatch(/^subscriber connection dropped while Redis stayed up/);
    expect(explain(null, mark('h:1', null))).toBe('subscriber connection lost');
  });
});
