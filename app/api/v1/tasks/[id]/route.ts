import { z } from 'zod';
import { withRoute } from '@/lib/server/http/handler';
import { viewFor } from '@/lib/server/auth/redact-view';
import { getTask } from '@/lib/server/tasks/get-task';
import { TaskDetailSchema } from '@/lib/schemas/responses/tasks';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Params = z.object({ id: z.string().min(1).max(200) });

// GET /api/v1/tasks/{id} – record, every event, attempts, and the result backend's meta.
export const GET = withRoute({ permission: 'tasks:read', params: Params, doc: { summary: "One task: record, events, attempts, result-backend meta and its workflow's groups and chords", response: TaskDetailSchema } }, ({ ctx, params, principal }) => getTask(ctx, params.id, viewFor(principal, ctx.config)));
