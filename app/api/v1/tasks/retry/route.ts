import { withRoute } from '@/lib/server/http/handler';
import { RetryRequestSchema, retryTasks } from '@/lib/server/actions/retry-tasks';
import { RetryResponseSchema } from '@/lib/schemas/responses/retry';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/tasks/retry – publish finished tasks again under new ids (ids, filter or preview; dry run first).
export const POST = withRoute(
  {
    permission: 'tasks:act',
    body: RetryRequestSchema,
    doc: {
      summary: 'Retry tasks (ids, filter or a preview): the same name, args, kwargs, queue and routing under new ids, linked both ways',
      description:
        'With `"dryRun": true`: the count, a sample, the tasks that would be skipped and why, and a `previewId`; then send `{"previewId": …}` to retry exactly that set. A single task whose arguments cannot be known (no extended result, a truncated repr) answers 409; send `args`/`kwargs` to retry it with entered arguments.',
      response: RetryResponseSchema,
    },
  },
  ({ ctx, principal, requestId, body }) => retryTasks(ctx, principal, requestId, body),
);
