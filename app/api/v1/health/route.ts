import { withRoute } from '@/lib/server/http/handler';
import { getHealth } from '@/lib/server/health/get-health';
import { HealthSchema } from '@/lib/schemas/responses/workers';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/health – Redis reachability, the collector's rate, lag and gaps. 503 when the store is down.
export const GET = withRoute({ permission: 'system:read', doc: { summary: "Redis reachability, the collector's rate, lag and gaps (503 with the same body when the store is down)", response: HealthSchema } }, async ({ ctx }) => {
  const health = await getHealth(ctx);
  return Response.json(health, { status: health.status === 'down' ? 503 : 200, headers: { 'cache-control': 'no-store' } });
});
