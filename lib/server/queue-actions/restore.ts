import 'server-only';
import { runAction } from '../actions/run-action';
import { noteTaskActions } from '../actions/task-notes';
import { loadArchive, type BandCount } from './archive';
import { putArchive } from './put-archive';
import { firstTaskIds, sampleOf } from './sample';
import { NOTE_BOUND, SAMPLE_SIZE, type QueueDryRun, type QueueVerb } from './verb';

// queues.restore: an archive back into its queue (messages unchanged, byte for byte) or into
// another one (each envelope rerouted there), in the original order, into the same bands. Done,
// the archive is gone; interrupted, it holds the rest and restoring again continues.

export interface RestoreInput {
  queue: string;
  archiveId: string;
  /** Default: the queue it was taken from. */
  to?: string;
  dryRun: boolean;
}

export interface RestoreDone {
  dryRun: false;
  queue: string;
  archiveId: string;
  to: string;
  restored: number;
  /** Messages that are no envelope a worker accepts: not rerouted, left in the archive. */
  kept: number;
  /** Still in the archive after this restore (kept ones). */
  left: number;
  /** False when the messages went to another queue (their delivery_info was rewritten). */
  byteForByte: boolean;
  bands: BandCount[];
  auditId: string;
}

export type RestoreDryRun = QueueDryRun & { archiveId: string; to: string; byteForByte: boolean };

export async function restoreArchive({ ctx, principal, requestId, view, input }: QueueVerb<RestoreInput>): Promise<RestoreDone | RestoreDryRun> {
  const a = await loadArchive(ctx, input.queue, input.archiveId);
  const to = input.to ?? a.meta.queue;
  const byteForByte = to === a.meta.queue;
  if (input.dryRun) {
    const sample = await sampleOf(ctx, input.queue, a.keys.bands, a.meta.steps, view, Math.min(SAMPLE_SIZE, a.view.total));
    return { dryRun: true, queue: input.queue, archiveId: a.view.id, to, byteForByte, count: a.view.total, bands: a.view.remaining, sample };
  }
  const params = { archiveId: a.view.id, to };
  let noted: string[] = [];
  const done = await runAction({ ctx, principal, requestId, action: 'queues.restore', target: input.queue, params, previewCount: a.view.total }, async () => {
    noted = await firstTaskIds(ctx, a.keys.bands, NOTE_BOUND);
    const put = await putArchive(ctx, { keys: a.keys, steps: a.meta.steps, queue: a.meta.queue }, to);
    const result = { restored: put.put, kept: put.kept, left: put.left, bands: put.bands };
    return {
      value: { dryRun: false as const, queue: input.queue, archiveId: a.view.id, to, byteForByte, ...result },
      outcome: put.kept > 0 ? 'partial' : 'ok',
      result,
    };
  });
  await noteTaskActions(ctx, noted, { at: Date.now() / 1000, action: 'restored', by: principal.name, auditId: done.auditId, detail: `from archive ${a.view.id} to ${to}` });
  return done;
}
