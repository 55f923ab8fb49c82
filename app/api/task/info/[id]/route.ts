import { z } from 'zod';
import { viewFor } from '@/lib/server/auth/redact-view';
import { withRoute } from '@/lib/server/http/handler';
import { flowerTaskInfo } from '@/lib/server/flower/tasks';
import { FlowerTaskSchema } from '@/lib/schemas/responses/flower';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Params = z.object({ id: z.string().min(1).max(200) });

// GET /api/task/info/{id} – Flower-compatible: one task as Flower writes it (404 when unknown).
export const GET = withRoute({ permission: 'tasks:read', params: Params, doc: { summary: 'Flower-compatible: one task', response: FlowerTaskSchema } }, ({ ctx, params, principal }) => flowerTaskInfo(ctx, params.id, viewFor(principal, ctx.config)));
