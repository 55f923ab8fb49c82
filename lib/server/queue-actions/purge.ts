import 'server-only';
import { runAction } from '../actions/run-action';
import { noteTaskActions } from '../actions/task-notes';
import type { BandCount } from './archive';
import { queueDryRun } from './dry-run';
import { firstTaskIds } from './sample';
import { takeIntoNewArchive } from './take';
import { NOTE_BOUND, type QueueDryRun, type QueueVerb } from './verb';

// queues.purge: every waiting message of every band into a new archive, atomically, in O(1)
// (take.ts); nothing is deleted. Restorable until the archive expires (TRELLIS_ARCHIVE_RETENTION).

export interface PurgeDone {
  dryRun: false;
  queue: string;
  /** null when the queue was empty (no archive is made). */
  archiveId: string | null;
  purged: number;
  bands: BandCount[];
  /** How many of the purged tasks got a "purged" note (the first to run, at most 1,000). */
  notedTasks: number;
  auditId: string;
}

export async function purgeQueue({ ctx, principal, requestId, view, input }: QueueVerb<{ queue: string; dryRun: boolean }>): Promise<PurgeDone | QueueDryRun> {
  const { queue } = input;
  if (input.dryRun) return queueDryRun(ctx, queue, null, view);
  let noted: string[] = [];
  const done = await runAction({ ctx, principal, requestId, action: 'queues.purge', target: queue, params: {} }, async () => {
    const taken = await takeIntoNewArchive(ctx, queue, { kind: 'purge', by: principal.name, limit: null });
    noted = await firstTaskIds(ctx, taken.keys.bands, NOTE_BOUND);
    const archiveId = taken.count > 0 ? taken.archiveId : null;
    return {
      value: { dryRun: false as const, queue, archiveId, purged: taken.count, bands: taken.bands, notedTasks: noted.length },
      result: { archiveId, purged: taken.count, bands: taken.bands },
    };
  });
  await noteTaskActions(ctx, noted, { at: Date.now() / 1000, action: 'purged', by: principal.name, auditId: done.auditId, detail: `archive ${done.archiveId ?? 'none'}` });
  return done;
}
