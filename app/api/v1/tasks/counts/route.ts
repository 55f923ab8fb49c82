import { TaskCountsQuery } from '@/lib/schemas/task-query';
import { withRoute } from '@/lib/server/http/handler';
import { countTasks } from '@/lib/server/tasks/count-tasks';
import { TaskCountsSchema } from '@/lib/schemas/responses/tasks';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/tasks/counts?by=state|name|worker|queue – counts over what the store holds.
export const GET = withRoute({ permission: 'tasks:read', query: TaskCountsQuery, doc: { summary: 'Task counts over the stored history, by state, name, worker or queue', response: TaskCountsSchema } }, async ({ ctx, query }) => ({
  counts: await countTasks(ctx, query.by),
}));
