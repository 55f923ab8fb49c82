import { z } from 'zod';

// Response shapes of the queue endpoints (checked against lib/server/queues/types.ts in lib/openapi/response-type-checks.ts).

const maybe = z.number().nullable();

const DiscoveryStatusSchema = z.object({
  status: z.enum(['complete', 'incomplete']).describe("'complete' once a full SCAN pass of the broker DB has ended"),
  lastFullPassAt: maybe,
  lastPassSeconds: maybe,
  passStartedAt: maybe,
  passProgress: maybe,
});

const UnackedSummarySchema = z.object({
  total: z.number().int(),
  scanned: z.number().int(),
  capped: z.boolean(),
  unmapped: z.number().int(),
  overdue: z.number().int().describe('delivered longer ago than the visibility timeout: re-delivered, may run twice'),
});

export const QueueSchema = z
  .object({
    name: z.string(),
    depth: z.number().int().describe('waiting messages over every priority band'),
    bands: z.array(z.object({ step: z.number().int(), depth: z.number().int() })),
    consumers: z.array(z.string()),
    busyConsumers: z.array(z.string()),
    unacked: z.number().int(),
    scheduled: z.number().int(),
    reserved: z.number().int(),
    rates: z
      .object({ inPerSecond: z.number(), outPerSecond: z.number(), windowSeconds: z.number(), lowerBound: z.boolean(), at: z.number() })
      .nullable(),
    drainSeconds: maybe,
    oldestAgeSeconds: maybe,
    oldestAgeSource: z.enum(['sent', 'first-seen', 'unknown']).nullable(),
    sources: z.array(z.enum(['worker', 'binding', 'config', 'history'])),
    stale: z.boolean(),
    firstSeen: maybe,
    lastNonEmpty: maybe,
    lastConsumer: maybe,
  })
  .meta({ id: 'Queue' });

/** GET /api/v1/queues: the list envelope plus what the list was measured with. */
export const QueueListSchema = z.object({
  items: z.array(QueueSchema),
  nextCursor: z.null().describe('always null: every queue is in one page'),
  hidden: z.number().int().describe('stale queues left out (0 with all=true)'),
  unacked: UnackedSummarySchema,
  noReply: z.array(z.string()),
  discovery: DiscoveryStatusSchema,
  sampledAt: maybe,
  at: z.number(),
});

const HistoryPointSchema = z.union([
  z.object({ t: z.number(), depth: z.number(), maxDepth: z.number(), in: z.number(), out: z.number() }),
  z.object({ t: z.number(), depth: z.null(), maxDepth: z.null(), in: z.null(), out: z.null() }),
]);

export const QueueDetailSchema = QueueSchema.extend({
  range: z.enum(['1h', '24h', '7d']),
  resolution: z.number(),
  history: z.array(HistoryPointSchema),
  unackedSummary: UnackedSummarySchema,
  noReply: z.array(z.string()),
  sampledAt: z.number(),
  discovery: DiscoveryStatusSchema,
  at: z.number(),
});

export const PeekedMessageSchema = z.object({
  id: z.string().nullable(),
  task: z.string().nullable(),
  argsRepr: z.string().nullable().describe('redacted'),
  kwargsRepr: z.string().nullable().describe('redacted'),
  eta: z.string().nullable(),
  expires: z.string().nullable(),
  priority: z.number(),
  retries: z.number().nullable(),
  redelivered: z.boolean(),
  size: z.number().int(),
  protocol: z.union([z.literal(1), z.literal(2)]).nullable(),
  position: z.number().int().describe('0 = next to run'),
  band: z.number().int(),
  undecodable: z.string().nullable(),
});

export const PeekPageSchema = z.object({
  queue: z.string(),
  depth: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  items: z.array(PeekedMessageSchema),
  nextOffset: z.number().int().nullable().describe('offset of the next page, null at the end'),
});

export const FlowerQueueLengthsSchema = z.object({ active_queues: z.array(z.object({ name: z.string(), messages: z.number().int() })) });

/** The body of GET /api/v1/queues. */
export type QueueListBody = z.output<typeof QueueListSchema>;
