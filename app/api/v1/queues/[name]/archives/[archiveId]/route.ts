import { viewFor } from '@/lib/server/auth/redact-view';
import { withRoute } from '@/lib/server/http/handler';
import { deleteArchive } from '@/lib/server/queue-actions/delete-archive';
import { ArchiveParamsSchema, DryRunQuerySchema } from '@/lib/server/queue-actions/inputs';
import { ArchiveDeletedSchema } from '@/lib/schemas/responses/queue-actions';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// DELETE /api/v1/queues/{name}/archives/{archiveId} – an archive deleted for good (admin); ?dryRun=true counts.
export const DELETE = withRoute(
  { permission: 'queues:delete', params: ArchiveParamsSchema, query: DryRunQuerySchema, doc: { summary: 'Delete an archive for good (cannot be undone); dryRun=true: the count only', response: ArchiveDeletedSchema } },
  ({ ctx, principal, requestId, params, query }) =>
    deleteArchive({ ctx, principal, requestId, view: viewFor(principal, ctx.config), input: { queue: params.name, archiveId: params.archiveId, dryRun: query.dryRun } }),
);
