import { withRoute } from '@/lib/server/http/handler';
import { listArchives } from '@/lib/server/queue-actions/archive';
import { QueueParamsSchema } from '@/lib/server/queue-actions/inputs';
import { ArchivePageSchema } from '@/lib/schemas/responses/queue-actions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/queues/{name}/archives – the queue's purge archives, newest first (at most 200).
export const GET = withRoute(
  { permission: 'queues:read', params: QueueParamsSchema, doc: { summary: "The queue's purge archives, newest first, with counts per band and expiry", response: ArchivePageSchema } },
  ({ ctx, params }) => listArchives(ctx, params.name),
);
