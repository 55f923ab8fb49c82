import 'server-only';
import { runAction } from '../actions/run-action';
import { dropArchive, loadArchive } from './archive';
import type { QueueVerb } from './verb';

// queues.archive_delete (admin): an archive's messages deleted for good. Cannot be undone.

export interface ArchiveDeleted {
  dryRun: boolean;
  queue: string;
  archiveId: string;
  /** Messages deleted (dry run: that would be). */
  deleted: number;
  auditId: string | null;
}

export async function deleteArchive({ ctx, principal, requestId, input }: QueueVerb<{ queue: string; archiveId: string; dryRun: boolean }>): Promise<ArchiveDeleted> {
  const a = await loadArchive(ctx, input.queue, input.archiveId);
  const base = { queue: input.queue, archiveId: a.view.id, deleted: a.view.total };
  if (input.dryRun) return { dryRun: true, ...base, auditId: null };
  const params = { archiveId: a.view.id };
  return runAction({ ctx, principal, requestId, action: 'queues.archive_delete', target: input.queue, params, previewCount: a.view.total }, async () => {
    await dropArchive(ctx, a);
    return { value: { dryRun: false, ...base }, result: { deleted: a.view.total } };
  });
}
