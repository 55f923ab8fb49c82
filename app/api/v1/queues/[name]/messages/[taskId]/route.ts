import { viewFor } from '@/lib/server/auth/redact-view';
import { withRoute } from '@/lib/server/http/handler';
import { deleteWaitingMessage } from '@/lib/server/queue-actions/delete-message';
import { DryRunQuerySchema, MessageParamsSchema } from '@/lib/server/queue-actions/inputs';
import { MessageDeletedSchema } from '@/lib/schemas/responses/queue-actions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// DELETE /api/v1/queues/{name}/messages/{taskId} – one waiting message deleted for good (admin); ?dryRun=true finds it.
export const DELETE = withRoute(
  {
    permission: 'queues:delete',
    params: MessageParamsSchema,
    query: DryRunQuerySchema,
    doc: { summary: 'Delete one waiting message by task id (searched among the first 100,000 to run; cannot be undone); dryRun=true: find it only', response: MessageDeletedSchema },
  },
  ({ ctx, principal, requestId, params, query }) =>
    deleteWaitingMessage({ ctx, principal, requestId, view: viewFor(principal, ctx.config), input: { queue: params.name, taskId: params.taskId, dryRun: query.dryRun } }),
);
