import { withRoute } from '@/lib/server/http/handler';
import { queueLengths } from '@/lib/server/queues/list-queues';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/queues/length – Flower-compatible: {"active_queues": [{"name", "messages"}]} (waiting messages, every band).
export const GET = withRoute({ permission: 'queues:read' }, ({ ctx }) => queueLengths(ctx));
