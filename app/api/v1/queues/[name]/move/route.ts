import { viewFor } from '@/lib/server/auth/redact-view';
import { withRoute } from '@/lib/server/http/handler';
import { moveMessages } from '@/lib/server/queue-actions/move';
import { MoveBodySchema, QueueParamsSchema } from '@/lib/server/queue-actions/inputs';
import { MoveAnswerSchema } from '@/lib/schemas/responses/queue-actions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/queues/{name}/move – all or the next `count` waiting messages to queue `to`, rerouted there.
export const POST = withRoute(
  {
    permission: 'queues:act',
    params: QueueParamsSchema,
    body: MoveBodySchema,
    doc: { summary: 'Move all or the next N waiting messages to another queue (each rerouted there); dryRun: counts and a sample', response: MoveAnswerSchema },
  },
  ({ ctx, principal, requestId, params, body }) =>
    moveMessages({ ctx, principal, requestId, view: viewFor(principal, ctx.config), input: { queue: params.name, to: body.to, count: body.count, dryRun: body.dryRun } }),
);
