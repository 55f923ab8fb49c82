import { z } from 'zod';
import { viewFor } from '@/lib/server/auth/redact-view';
import { looseBool } from '@/lib/server/flower/params';
import { withRoute } from '@/lib/server/http/handler';
import { flowerWorkers } from '@/lib/server/inspect/flower-workers';
import { NodeNameSchema } from '@/lib/server/inspect/inspect';
import { FlowerWorkersSchema } from '@/lib/schemas/responses/system';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Query = z.object({ refresh: looseBool, status: looseBool, workername: NodeNameSchema.optional() });

// GET /api/workers – Flower-compatible: hostname → {stats, active_queues, registered, scheduled, active, reserved, revoked, conf, timestamp}.
export const GET = withRoute({ permission: 'workers:read', query: Query, doc: { summary: 'Flower-compatible: every worker with its inspect replies', response: FlowerWorkersSchema } }, ({ ctx, query, principal }) => flowerWorkers(ctx, query, viewFor(principal, ctx.config)));
