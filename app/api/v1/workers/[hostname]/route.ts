import { z } from 'zod';
import { withRoute } from '@/lib/server/http/handler';
import { viewFor } from '@/lib/server/auth/redact-view';
import { getWorker } from '@/lib/server/workers/list-workers';
import { WorkerDetailSchema } from '@/lib/schemas/responses/workers';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Params = z.object({ hostname: z.string().min(1).max(300) });

// GET /api/v1/workers/{hostname} – one worker, its task counts by name and recent tasks.
export const GET = withRoute({ permission: 'workers:read', params: Params, doc: { summary: 'One worker, its task counts by name and recent tasks', response: WorkerDetailSchema } }, ({ ctx, params, principal }) => getWorker(ctx, params.hostname, viewFor(principal, ctx.config)));
