import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describePubsubLimit, parsePubsubLimit, TYPICAL_EVENT_MESSAGE_BYTES } from '@/lib/server/broker/pubsub-buffer';

// The burst the broker's pub/sub output-buffer limit allows, in bytes and in typical Celery event
// messages, the typical size measured on captured Celery 5.2.6 traffic.

const PATTERN = '/0.celeryev/*';

/** Bytes of the pmessage reply Redis queues for a pattern subscriber (RESP2). */
function pmessageBytes(channel: string, data: string): number {
  const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n`.length + Buffer.byteLength(s) + 2;
  return '*4\r\n'.length + bulk('pmessage') + bulk(PATTERN) + bulk(channel) + bulk(data);
}

describe('pub/sub output-buffer limit', () => {
  it('uses the median size of a captured Celery event message as it sits in the output buffer', () => {
    for (const file of ['events-workload.json', 'events-workload-lost-started.json']) {
      const { messages } = JSON.parse(readFileSync(`tests/fixtures/celery-5.2/${file}`, 'utf8')) as { messages: Array<{ channel: string; data: string }> };
      const sizes = messages.map((m) => pmessageBytes(m.channel, m.data)).sort((a, b) => a - b);
      const median = sizes[Math.floor(sizes.length / 2)] ?? 0;
      expect(messages.length).toBeGreaterThan(50);
      expect(Math.abs(median - TYPICAL_EVENT_MESSAGE_BYTES) / TYPICAL_EVENT_MESSAGE_BYTES).toBeLessThan(0.05);
    }
  });

  it('reads the pubsub class of CONFIG GET client-output-buffer-limit and says the burst it allows', () => {
    const value = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';
    expect(parsePubsubLimit(value)).toEqual({ hard: 33554432, soft: 8388608, seconds: 60 });
    const d = describePubsubLimit(value, null);
    expect(d).toMatchObject({
      hardLimitBytes: 33554432,
      softLimitBytes: 8388608,
      softLimitSeconds: 60,
      hardLimitMessages: Math.floor(33554432 / TYPICAL_EVENT_MESSAGE_BYTES),
      softLimitMessages: Math.floor(8388608 / TYPICAL_EVENT_MESSAGE_BYTES),
      unknownReason: null,
    });
    expect(d.summary).toBe('Redis drops the event subscriber when it is 32 MB (≈ 36080 event messages) unread or 8 MB (≈ 9020 event messages) unread for 60 s');
    expect(describePubsubLimit('normal 0 0 0 pubsub 0 0 0', null)).toMatchObject({ hardLimitMessages: null, softLimitMessages: null, summary: expect.stringMatching(/^no pub\/sub output-buffer limit/) });
  });

  it('says unknown, and why, when CONFIG is not allowed', () => {
    const d = describePubsubLimit(null, "CONFIG GET is not allowed: ERR unknown command 'CONFIG'");
    expect(d).toMatchObject({ hardLimitBytes: null, hardLimitMessages: null, unknownReason: expect.stringMatching(/not allowed/) });
    expect(d.summary).toMatch(/^pub\/sub output-buffer limit unknown \(CONFIG GET is not allowed/);
  });
});
