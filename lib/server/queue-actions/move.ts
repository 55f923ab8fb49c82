import 'server-only';
import { AppError } from '@/lib/errors';
import { runAction } from '../actions/run-action';
import { noteTaskActions } from '../actions/task-notes';
import type { BandCount } from './archive';
import { queueDryRun } from './dry-run';
import { putArchive } from './put-archive';
import { firstTaskIds } from './sample';
import { takeIntoNewArchive } from './take';
import { NOTE_BOUND, type QueueDryRun, type QueueVerb } from './verb';

// queues.move, the operator's rebalancing tool: all waiting messages, or the next `count` to run,
// to another queue, band into band, each rerouted (delivery_info → the new queue) so that a
// visibility-timeout restore brings a lost one back to its new queue. Two stages, each step atomic:
// take into a staging archive of kind "move" (take.ts), then put it, rerouted, into the target
// (put-archive.ts). Interrupted between the two, the messages wait in that archive, listed on the
// source queue's page, restorable to either queue.

export interface MoveInput {
  queue: string;
  to: string;
  count?: number;
  dryRun: boolean;
}

export interface MoveDone {
  dryRun: false;
  queue: string;
  to: string;
  moved: number;
  /** Messages that are no envelope a worker accepts: not moved, kept in the staging archive. */
  kept: number;
  /** The staging archive when anything stayed in it, else null. */
  archiveId: string | null;
  bands: BandCount[];
  auditId: string;
}

export type MoveDryRun = QueueDryRun & { to: string };

export async function moveMessages({ ctx, principal, requestId, view, input }: QueueVerb<MoveInput>): Promise<MoveDone | MoveDryRun> {
  const { queue, to } = input;
  if (to === queue) throw new AppError('INVALID_INPUT', 'to: the target queue must differ from the source');
  if (input.dryRun) return { ...(await queueDryRun(ctx, queue, input.count ?? null, view)), to };
  const params = { to, count: input.count ?? null };
  let noted: string[] = [];
  const done = await runAction({ ctx, principal, requestId, action: 'queues.move', target: queue, params }, async () => {
    const taken = await takeIntoNewArchive(ctx, queue, { kind: 'move', to, by: principal.name, limit: input.count ?? null });
    noted = await firstTaskIds(ctx, taken.keys.bands, NOTE_BOUND);
    const put = taken.count > 0 ? await putArchive(ctx, taken, to) : { put: 0, kept: 0, left: 0, bands: taken.bands };
    const result = { moved: put.put, kept: put.kept, archiveId: put.left > 0 ? taken.archiveId : null, bands: put.bands };
    return { value: { dryRun: false as const, queue, to, ...result }, outcome: put.kept > 0 ? 'partial' : 'ok', result };
  });
  await noteTaskActions(ctx, noted, { at: Date.now() / 1000, action: 'moved', by: principal.name, auditId: done.auditId, detail: `from ${queue} to ${to}` });
  return done;
}
