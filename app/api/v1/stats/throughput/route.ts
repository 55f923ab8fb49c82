import { z } from 'zod';
import { withRoute } from '@/lib/server/http/handler';
import { getThroughput } from '@/lib/server/stats/throughput';
import { ThroughputSchema } from '@/lib/schemas/responses/tasks';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Query = z.object({ range: z.enum(['1h', '24h']).default('1h') }).strict();

// GET /api/v1/stats/throughput?range=1h|24h – per-minute task counts, runtime p50/p95, top failing names.
export const GET = withRoute({ permission: 'tasks:read', query: Query, doc: { summary: 'Per-minute task counts, runtime p50/p95 and the top failing task names', response: ThroughputSchema } }, ({ ctx, query }) => getThroughput(ctx, query.range));
