import { z } from 'zod';
import { withRoute } from '@/lib/server/http/handler';
import { listQueues } from '@/lib/server/queues/list-queues';
import { QueueListSchema } from '@/lib/schemas/responses/queues';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Query = z.object({ all: z.enum(['true', 'false', '1', '0']).optional().transform((v) => v === 'true' || v === '1') });

// GET /api/v1/queues – every known queue with depth, bands, consumers, unacked/reserved/scheduled, rates, drain time and age.
export const GET = withRoute(
  { permission: 'queues:read', query: Query, doc: { summary: 'Every known queue with depth, bands, consumers, unacked, rates, drain time and age', response: QueueListSchema } },
  async ({ ctx, query }) => {
    const { queues, ...rest } = await listQueues(ctx, { all: query.all });
    return { items: queues, nextCursor: null, ...rest };
  },
);
