import { z } from 'zod';
import { filterParam, flowerTime, intParam } from './params';

// GET /api/tasks' parameters, Flower's names (All = no filter; times as Flower's task list sends
// them), turned into the query listFlowerTasks runs.

/** The most tasks one GET /api/tasks walks (offset + limit; all of them without a limit). */
export const MAX_WINDOW = 1_000;

export const SORT_KEYS = ['name', 'state', 'received', 'started'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface FlowerTaskQuery {
  limit: number | undefined;
  offset: number;
  sortBy: { key: SortKey; descending: boolean } | undefined;
  workername: string | undefined;
  taskname: string | undefined;
  state: string | undefined;
  /** Epoch seconds. */
  receivedStart: number | undefined;
  receivedEnd: number | undefined;
  startedStart: number | undefined;
  startedEnd: number | undefined;
  search: string | undefined;
}

const time = flowerTime.describe('YYYY-MM-DD HH:MM (UTC), epoch seconds or ISO 8601');

const SortBy = z
  .string()
  .max(20)
  .regex(new RegExp(`^-?(${SORT_KEYS.join('|')})$`), `sort_by: one of ${SORT_KEYS.join(', ')} (with - for descending)`)
  .optional()
  .describe(`${SORT_KEYS.join(', ')}; - for descending`);

export const FlowerTaskQuerySchema = z
  .object({
    limit: intParam.pipe(z.number().int().min(0).max(MAX_WINDOW)).optional().describe(`tasks to answer; every one (up to ${MAX_WINDOW}) when absent`),
    offset: intParam.optional().describe('tasks to skip'),
    sort_by: SortBy,
    workername: filterParam(255).describe('worker hostname (All: any)'),
    taskname: filterParam(255).describe('task name (All: any)'),
    state: filterParam(40).describe('task state (All: any)'),
    received_start: time,
    received_end: time,
    started_start: time,
    started_end: time,
    search: z.string().max(200).optional().describe('text in id, name, args or kwargs'),
  })
  .transform(
    (q): FlowerTaskQuery => ({
      offset: Math.max(q.offset ?? 0, 0),
      limit: q.limit,
      sortBy: q.sort_by ? { key: q.sort_by.replace(/^-/, '') as SortKey, descending: q.sort_by.startsWith('-') } : undefined,
      workername: q.workername,
      taskname: q.taskname,
      state: q.state,
      receivedStart: q.received_start,
      receivedEnd: q.received_end,
      startedStart: q.started_start,
      startedEnd: q.started_end,
      search: q.search || undefined,
    }),
  );
