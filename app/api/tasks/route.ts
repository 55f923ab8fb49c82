import { viewFor } from '@/lib/server/auth/redact-view';
import { withRoute } from '@/lib/server/http/handler';
import { FlowerTaskQuerySchema } from '@/lib/server/flower/task-query';
import { listFlowerTasks } from '@/lib/server/flower/tasks';
import { FlowerTasksSchema } from '@/lib/schemas/responses/flower';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/tasks – Flower-compatible: id → task, filtered, sorted, paged by offset and limit.
export const GET = withRoute({ permission: 'tasks:read', query: FlowerTaskQuerySchema, doc: { summary: 'Flower-compatible: tasks filtered, sorted and paged by offset', response: FlowerTasksSchema } }, ({ ctx, query, principal }) =>
  listFlowerTasks(ctx, query, viewFor(principal, ctx.config)),
);
