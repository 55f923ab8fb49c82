import 'server-only';
import type Redis from 'ioredis';
import { configGet } from './config-get';

// The broker's `client-output-buffer-limit` for pub/sub clients, and the burst it allows: Redis
// drops a subscriber (Trellis' event subscription: a gap) whose unread output passes the hard limit,
// or stays above the soft limit for its seconds. Redis' default is `pubsub 32mb 8mb 60`.

/** A Celery 5.2 event message as it sits in the subscriber's output buffer (the pmessage reply):
 *  the median in the captured traffic of tests/fixtures/celery-5.2 is 932 and 900 bytes (two
 *  workloads; tests/unit/pubsub-buffer.test.ts measures it). A task.multi message can carry several
 *  events, so the estimates in messages are lower bounds in events. */
export const TYPICAL_EVENT_MESSAGE_BYTES = 930;

export interface PubsubBufferLimit {
  /** Bytes; 0 = no limit. null when unknown. */
  hardLimitBytes: number | null;
  softLimitBytes: number | null;
  softLimitSeconds: number | null;
  /** The limits as a count of typical event messages (null: no limit or unknown). */
  hardLimitMessages: number | null;
  softLimitMessages: number | null;
  typicalMessageBytes: number;
  /** Why the limit is unknown (CONFIG not allowed), else null. */
  unknownReason: string | null;
  /** One sentence for logs and the UI. */
  summary: string;
}

/** The `pubsub <hard> <soft> <seconds>` class of a CONFIG GET client-output-buffer-limit value (bytes). */
export function parsePubsubLimit(value: string): { hard: number; soft: number; seconds: number } | null {
  const m = /(?:^|\s)pubsub\s+(\d+)\s+(\d+)\s+(\d+)/.exec(value);
  return m ? { hard: Number(m[1]), soft: Number(m[2]), seconds: Number(m[3]) } : null;
}

const mb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
const messages = (bytes: number) => (bytes > 0 ? Math.floor(bytes / TYPICAL_EVENT_MESSAGE_BYTES) : null);

export function describePubsubLimit(value: string | null, unknownReason: string | null): PubsubBufferLimit {
  const limit = value === null ? null : parsePubsubLimit(value);
  if (!limit) {
    const why = unknownReason ?? `no pubsub class in "${value ?? ''}"`;
    return {
      hardLimitBytes: null,
      softLimitBytes: null,
      softLimitSeconds: null,
      hardLimitMessages: null,
      softLimitMessages: null,
      typicalMessageBytes: TYPICAL_EVENT_MESSAGE_BYTES,
      unknownReason: why,
      summary: `pub/sub output-buffer limit unknown (${why}); Redis' default drops a subscriber 32 MB (≈ ${messages(32 * 1024 * 1024)} event messages) behind`,
    };
  }
  const hard = limit.hard > 0 ? `${mb(limit.hard)} (≈ ${messages(limit.hard)} event messages) unread` : null;
  const soft = limit.soft > 0 && limit.seconds > 0 ? `${mb(limit.soft)} (≈ ${messages(limit.soft)} event messages) unread for ${limit.seconds} s` : null;
  const parts = [hard, soft].filter((p): p is string => p !== null);
  return {
    hardLimitBytes: limit.hard,
    softLimitBytes: limit.soft,
    softLimitSeconds: limit.seconds,
    hardLimitMessages: messages(limit.hard),
    softLimitMessages: limit.seconds > 0 ? messages(limit.soft) : null,
    typicalMessageBytes: TYPICAL_EVENT_MESSAGE_BYTES,
    unknownReason: null,
    summary: parts.length
      ? `Redis drops the event subscriber when it is ${parts.join(' or ')}`
      : 'no pub/sub output-buffer limit: Redis never drops the event subscriber for reading slowly',
  };
}

export async function pubsubBufferLimit(broker: Redis): Promise<PubsubBufferLimit> {
  const read = await configGet(broker, 'client-output-buffer-limit');
  return describePubsubLimit(read.value, read.value === null ? read.reason : null);
}
