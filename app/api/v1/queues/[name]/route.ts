import { z } from 'zod';
import { withRoute } from '@/lib/server/http/handler';
import { getQueue } from '@/lib/server/queues/get-queue';
import { QueueDetailSchema } from '@/lib/schemas/responses/queues';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Params = z.object({ name: z.string().min(1).max(500) });
const Query = z.object({ range: z.enum(['1h', '24h', '7d']).default('1h') });

// GET /api/v1/queues/{name} – one queue now, with its depth/flow history over the range.
export const GET = withRoute({ permission: 'queues:read', params: Params, query: Query, doc: { summary: 'One queue now, with its depth and flow history over the range', response: QueueDetailSchema } }, ({ ctx, params, query }) =>
  getQueue(ctx, params.name, query.range),
);
