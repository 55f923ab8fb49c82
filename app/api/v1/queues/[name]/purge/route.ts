import { viewFor } from '@/lib/server/auth/redact-view';
import { withRoute } from '@/lib/server/http/handler';
import { purgeQueue } from '@/lib/server/queue-actions/purge';
import { PurgeBodySchema, QueueParamsSchema } from '@/lib/server/queue-actions/inputs';
import { PurgeAnswerSchema } from '@/lib/schemas/responses/queue-actions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/queues/{name}/purge – every waiting message (every band) into an archive, restorable.
export const POST = withRoute(
  {
    permission: 'queues:act',
    params: QueueParamsSchema,
    body: PurgeBodySchema,
    doc: { summary: 'Purge a queue into an archive (restorable until it expires); dryRun: counts and a sample', response: PurgeAnswerSchema },
  },
  ({ ctx, principal, requestId, params, body }) => purgeQueue({ ctx, principal, requestId, view: viewFor(principal, ctx.config), input: { queue: params.name, dryRun: body.dryRun } }),
);
