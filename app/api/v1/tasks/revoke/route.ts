import { withRoute } from '@/lib/server/http/handler';
import { RevokeRequestSchema, revokeTasks } from '@/lib/server/actions/revoke-tasks';
import { RevokeResponseSchema } from '@/lib/schemas/responses/revoke';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/tasks/revoke – revoke or terminate tasks by ids, filter or preview (dry run first).
export const POST = withRoute(
  {
    permission: 'tasks:act',
    body: RevokeRequestSchema,
    doc: {
      summary: 'Revoke or terminate tasks (ids, filter or a preview): waiting messages removed, durable revokes kept, each worker’s reply',
      description: 'With `"dryRun": true`: the count, the states, a sample and a `previewId`; then send `{"previewId": …}` to revoke exactly that set.',
      response: RevokeResponseSchema,
    },
  },
  ({ ctx, principal, requestId, body }) => revokeTasks(ctx, principal, requestId, body),
);
