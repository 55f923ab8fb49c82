import 'server-only';
import { AppError } from '@/lib/errors';
import type { TaskSummary } from '@/lib/schemas/api';
import { TaskIdSchema } from '../celery/control';
import { isFinalState } from '../celery/states';
import type { TrellisContext } from '../context';
import { deriveTask, toSummary } from '../tasks/derive';
import { parseTaskDoc } from '../tasks/task-doc';
import { loadPreview } from './previews';
import { selectTasks, type TaskFilter } from './select-tasks';

// What a revoke applies to: the given ids, every task matching the task list's filter, or exactly
// the set a dry run kept under a preview id — each id with its state as the store shows it now, so
// the tasks already final (nothing left to revoke) are counted and skipped.

export const REVOKE_PREVIEW_KIND = 'tasks.revoke';
export const MAX_REVOKE_IDS = 10_000;

export type RevokeTarget = { ids: string[] } | { filter: TaskFilter } | { previewId: string };

export interface SelectedTask {
  id: string;
  /** The store's state; UNKNOWN for an id Trellis has not seen (it may still be waiting somewhere). */
  state: string;
  queue: string | null;
  summary: TaskSummary | null;
}

export interface RevokeSelection {
  tasks: SelectedTask[];
  /** The filter matched more than MAX_REVOKE_IDS. */
  truncated: boolean;
  previewCount: number | null;
}

export async function selectForRevoke(ctx: TrellisContext, target: RevokeTarget): Promise<RevokeSelection> {
  if ('filter' in target) {
    const sel = await selectTasks(ctx, target.filter, MAX_REVOKE_IDS);
    return { tasks: sel.tasks.map((t) => ({ id: t.id, state: t.state, queue: t.queue, summary: t })), truncated: sel.truncated, previewCount: null };
  }
  const ids = 'ids' in target ? target.ids : (await loadPreview(ctx, target.previewId, REVOKE_PREVIEW_KIND)).ids;
  return { tasks: await lookUp(ctx, [...new Set(ids)]), truncated: false, previewCount: 'previewId' in target ? ids.length : null };
}

async function lookUp(ctx: TrellisContext, ids: readonly string[]): Promise<SelectedTask[]> {
  if (ids.length === 0) throw new AppError('INVALID_INPUT', 'no task ids to revoke');
  const out: SelectedTask[] = [];
  for (let i = 0; i < ids.length; i += 1_000) {
    const chunk = ids.slice(i, i + 1_000);
    const raws = await ctx.store.mget(chunk.map((id) => ctx.keys.task(id)));
    chunk.forEach((id, j) => {
      const doc = parseTaskDoc(raws[j], id);
      const summary = doc ? toSummary(deriveTask(id, doc)) : null;
      out.push({ id, state: summary?.state ?? 'UNKNOWN', queue: summary?.queue ?? null, summary });
    });
  }
  return out;
}

/** Only a task not final yet is worth revoking (the task page offers the buttons by this). */
export const isRevocableState = (state: string): boolean => !isFinalState(state);
/** Not final, and an id a control message can carry (a stored id from odd events may not be). */
export const isRevocable = (t: SelectedTask): boolean => isRevocableState(t.state) && TaskIdSchema.safeParse(t.id).success;

/** Sent but not received by any worker: its message is still in a queue (or was never published). */
export const isWaiting = (t: SelectedTask): t is SelectedTask & { queue: string } => t.state === 'PENDING' && t.queue !== null;
