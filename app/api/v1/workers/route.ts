import { withRoute } from '@/lib/server/http/handler';
import { listWorkers } from '@/lib/server/workers/list-workers';
import { WorkerListSchema } from '@/lib/schemas/responses/workers';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/workers – every worker Trellis has heard from, with online/offline/lost status.
export const GET = withRoute({ permission: 'workers:read', doc: { summary: 'Every worker Trellis has heard from, online, offline or lost', response: WorkerListSchema } }, async ({ ctx }) => ({
  items: await listWorkers(ctx),
  nextCursor: null,
}));
