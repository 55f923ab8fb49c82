import { withRoute } from '@/lib/server/http/handler';
import { flowerTaskTypes } from '@/lib/server/flower/tasks';
import { FlowerTaskTypesSchema } from '@/lib/schemas/responses/flower';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/task/types – Flower-compatible: every task name seen.
export const GET = withRoute({ permission: 'tasks:read', doc: { summary: 'Flower-compatible: every task name seen', response: FlowerTaskTypesSchema } }, ({ ctx }) => flowerTaskTypes(ctx));
