import { viewFor } from '@/lib/server/auth/redact-view';
import { withRoute } from '@/lib/server/http/handler';
import { restoreArchive } from '@/lib/server/queue-actions/restore';
import { ArchiveParamsSchema, RestoreBodySchema } from '@/lib/server/queue-actions/inputs';
import { RestoreAnswerSchema } from '@/lib/schemas/responses/queue-actions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/queues/{name}/archives/{archiveId}/restore – the archive back into its queue or into `to`.
export const POST = withRoute(
  {
    permission: 'queues:act',
    params: ArchiveParamsSchema,
    body: RestoreBodySchema,
    doc: { summary: 'Restore an archive in its original order, into its queue (byte for byte) or another (rerouted); dryRun: counts and a sample', response: RestoreAnswerSchema },
  },
  ({ ctx, principal, requestId, params, body }) =>
    restoreArchive({ ctx, principal, requestId, view: viewFor(principal, ctx.config), input: { queue: params.name, archiveId: params.archiveId, to: body.to, dryRun: body.dryRun } }),
);
