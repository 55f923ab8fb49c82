import { withRoute } from '@/lib/server/http/handler';
import { listWorkers } from '@/lib/server/workers/list-workers';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/workers – every worker Trellis has heard from, with online/offline/lost status.
export const GET = withRoute({ permission: 'workers:read' }, async ({ ctx }) => ({ items: await listWorkers(ctx) }));
