import { TaskListQuery } from '@/lib/schemas/task-query';
import { withRoute } from '@/lib/server/http/handler';
import { viewFor } from '@/lib/server/auth/redact-view';
import { listTasks } from '@/lib/server/tasks/list-tasks';
import { TaskPageSchema } from '@/lib/schemas/responses/tasks';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/tasks – tasks newest first, filtered, cursor-paginated.
export const GET = withRoute({ permission: 'tasks:read', query: TaskListQuery, doc: { summary: 'Tasks by first-seen time, filtered, cursor-paginated', response: TaskPageSchema } }, ({ ctx, query, principal }) => listTasks(ctx, query, viewFor(principal, ctx.config)));
