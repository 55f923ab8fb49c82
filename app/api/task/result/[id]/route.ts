import { z } from 'zod';
import { viewFor } from '@/lib/server/auth/redact-view';
import { withRoute } from '@/lib/server/http/handler';
import { MAX_RESULT_TIMEOUT_SECONDS, flowerTaskResult } from '@/lib/server/flower/task-result';
import { FlowerTaskResultSchema } from '@/lib/schemas/responses/flower';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Params = z.object({ id: z.string().min(1).max(200) });
const Query = z.object({ timeout: z.coerce.number().positive().max(MAX_RESULT_TIMEOUT_SECONDS).optional().describe('seconds to wait for the task to be ready (504 after)') });

// GET /api/task/result/{id} – Flower-compatible: the result backend's state, and the result once ready.
export const GET = withRoute({ permission: 'tasks:read', params: Params, query: Query, doc: { summary: "Flower-compatible: a task's state and result from the result backend", response: FlowerTaskResultSchema } }, ({ ctx, params, query, principal }) =>
  flowerTaskResult(ctx, params.id, query.timeout, viewFor(principal, ctx.config)),
);
