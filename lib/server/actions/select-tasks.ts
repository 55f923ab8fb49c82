import 'server-only';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import type { TaskSummary } from '@/lib/schemas/api';
import { TaskListQuery } from '@/lib/schemas/task-query';
import type { TrellisContext } from '../context';
import { listTasks } from '../tasks/list-tasks';

// "Every task matching this filter": the task list's filters (not its paging), walked page by page
// to the end, bounded. The same filter the task list shows is the one an action applies to.

export const TaskFilterSchema = TaskListQuery.omit({ order: true, limit: true, cursor: true });
export type TaskFilter = z.output<typeof TaskFilterSchema>;

/** The most tasks one action selects by filter. */
export const MAX_SELECTED = 100_000;
const PAGE = 2_000;

export interface Selection {
  tasks: TaskSummary[];
  /** More matched than `max`: the selection stopped there. */
  truncated: boolean;
}

export async function selectTasks(ctx: TrellisContext, filter: TaskFilter, max = MAX_SELECTED, keep?: (t: TaskSummary) => boolean): Promise<Selection> {
  if (Object.values(filter).every((v) => v === undefined)) throw new AppError('INVALID_INPUT', 'a filter must name at least one condition (an action on every task is not offered)');
  const tasks: TaskSummary[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await listTasks(ctx, { ...filter, limit: PAGE, ...(cursor ? { cursor } : {}) });
    for (const t of page.items) {
      if (keep && !keep(t)) continue;
      if (tasks.length >= max) return { tasks, truncated: true };
      tasks.push(t);
    }
    if (!page.nextCursor) return { tasks, truncated: false };
    cursor = page.nextCursor;
  }
}
