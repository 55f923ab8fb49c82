import 'server-only';
import type { TaskSummary } from '@/lib/schemas/api';
import type { TrellisContext } from '../context';
import { FULL_VIEW, redactorFor, redactTaskDetail, type RedactView } from '../redaction';
import { deriveTask } from '../tasks/derive';
import { getTask } from '../tasks/get-task';
import { listTasks } from '../tasks/list-tasks';
import { taskFilterValues } from '../tasks/filter-values';
import { parseTaskDoc } from '../tasks/task-doc';
import { toFlowerTask, type FlowerTask } from './task-dict';
import { MAX_WINDOW, type FlowerTaskQuery, type SortKey } from './task-query';

// Flower's task reads (GET /api/tasks, /api/task/types, /api/task/info/{id}) from Trellis' own
// record of the events: the store, never the broker. Flower pages by offset over the tasks it holds
// in memory; Trellis pages its index, so a request reads at most MAX_WINDOW tasks (offset + limit).

const PAGE = 500;
/** Pages of the index walked at most when filters the index cannot answer (times) reject most tasks. */
const MAX_PAGES = 40;

const within = (t: number | null, from?: number, to?: number) => (from === undefined || (t !== null && t >= from)) && (to === undefined || (t !== null && t <= to));

/** id → task in Flower's order, offset/limit applied. */
export async function listFlowerTasks(ctx: TrellisContext, q: FlowerTaskQuery, view: RedactView = FULL_VIEW): Promise<Record<string, FlowerTask>> {
  const window = Math.min(MAX_WINDOW, q.offset + (q.limit ?? MAX_WINDOW));
  if (q.limit === 0 || q.offset >= window) return {};
  // Sorting by time walks the index in that order and stops at the window; another key needs the whole (capped) set.
  const byTime = !q.sortBy || q.sortBy.key === 'received';
  const want = byTime ? window : MAX_WINDOW;
  const keep = (t: TaskSummary) => within(t.received, q.receivedStart, q.receivedEnd) && within(t.started, q.startedStart, q.startedEnd);
  const found: TaskSummary[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await listTasks(
      ctx,
      {
        limit: PAGE,
        order: q.sortBy && !q.sortBy.descending && q.sortBy.key === 'received' ? 'asc' : 'desc',
        ...(q.taskname ? { name: q.taskname } : {}),
        ...(q.workername ? { worker: q.workername } : {}),
        ...(q.state ? { state: [q.state.toUpperCase()] } : {}),
        ...(q.search ? { q: q.search } : {}),
        // A task is first seen (sent) before it is received: the received window bounds the walk from above only.
        ...(q.receivedEnd !== undefined ? { until: q.receivedEnd } : {}),
        ...(cursor ? { cursor } : {}),
      },
      view,
    );
    for (const t of page.items) if (keep(t) && found.length < want) found.push(t);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && found.length < want && ++pages < MAX_PAGES);
  if (!byTime && q.sortBy) sortTasks(found, q.sortBy.key, q.sortBy.descending);
  const chosen = found.slice(q.offset, window);
  return Object.fromEntries((await flowerRecords(ctx, chosen.map((t) => t.id), view)).map((t) => [t.uuid, t]));
}

function sortTasks(tasks: TaskSummary[], key: SortKey, descending: boolean): void {
  const value = (t: TaskSummary) => t[key] ?? (key === 'received' || key === 'started' ? 0 : '');
  tasks.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const c = x < y ? -1 : x > y ? 1 : 0;
    return descending ? -c : c;
  });
}

/** Full records (events, traceback, routing) of the listed tasks, in one MGET, redacted for `view`. */
async function flowerRecords(ctx: TrellisContext, ids: string[], view: RedactView): Promise<FlowerTask[]> {
  if (ids.length === 0) return [];
  const raw = await ctx.store.mget(ids.map((id) => ctx.keys.task(id)));
  const redactor = redactorFor(ctx.config);
  const out: FlowerTask[] = [];
  ids.forEach((id, i) => {
    const doc = parseTaskDoc(raw[i], id);
    if (!doc) return; // removed by retention since the index read
    out.push(toFlowerTask(redactTaskDetail({ ...deriveTask(id, doc), backend: null, actions: [], retriedAs: [], retryOf: null }, redactor, view)));
  });
  return out;
}

/** GET /api/task/info/{id}: 404 for a task Trellis knows nothing of. */
export async function flowerTaskInfo(ctx: TrellisContext, id: string, view: RedactView = FULL_VIEW): Promise<FlowerTask> {
  const task = await getTask(ctx, id, view);
  return toFlowerTask(task, task.backend?.children ?? []);
}

/** GET /api/task/types: every task name seen, sorted. */
export async function flowerTaskTypes(ctx: TrellisContext): Promise<{ 'task-types': string[] }> {
  return { 'task-types': (await taskFilterValues(ctx)).names };
}
