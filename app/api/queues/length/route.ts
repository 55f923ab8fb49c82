import { withRoute } from '@/lib/server/http/handler';
import { queueLengths } from '@/lib/server/queues/list-queues';
import { FlowerQueueLengthsSchema } from '@/lib/schemas/responses/queues';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/queues/length – Flower-compatible: {"active_queues": [{"name", "messages"}]} (waiting messages, every band).
export const GET = withRoute({ permission: 'queues:read', doc: { summary: 'Flower-compatible: waiting messages per queue (every priority band)', response: FlowerQueueLengthsSchema } }, ({ ctx }) => queueLengths(ctx));
