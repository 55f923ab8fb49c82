import 'server-only';
import type { TaskSummary, WorkerView } from '@/lib/schemas/api';
import { notFound } from '@/lib/errors';
import type { TrellisContext } from '../context';
import { FULL_VIEW, type RedactView } from '../redaction';
import { listTasks } from '../tasks/list-tasks';
import { parseWorkerDoc, toWorkerView } from './worker-doc';

export async function listWorkers(ctx: TrellisContext): Promise<WorkerView[]> {
  const all = await ctx.store.hgetall(ctx.keys.workers);
  const now = Date.now() / 1000;
  return Object.values(all)
    .map(parseWorkerDoc)
    .filter((d) => d !== null)
    .map((d) => toWorkerView(d, now))
    .sort((a, b) => a.hostname.localeCompare(b.hostname));
}

export interface WorkerDetail extends WorkerView {
  /** Tasks by name among this worker's most recent tasks (`sampled` of them). */
  taskCounts: Record<string, number>;
  sampled: number;
  recentTasks: TaskSummary[];
}

const SAMPLE = 500;

/** The worker with its recent tasks, redacted for `view`. */
export async function getWorker(ctx: TrellisContext, hostname: string, view: RedactView = FULL_VIEW): Promise<WorkerDetail> {
  const raw = await ctx.store.hget(ctx.keys.workers, hostname);
  const doc = raw ? parseWorkerDoc(raw) : null;
  if (!doc) throw notFound(`worker ${hostname}`);
  const page = await listTasks(ctx, { worker: hostname, limit: SAMPLE }, view);
  const taskCounts: Record<string, number> = {};
  for (const t of page.items) taskCounts[t.name ?? '(unknown)'] = (taskCounts[t.name ?? '(unknown)'] ?? 0) + 1;
  return { ...toWorkerView(doc, Date.now() / 1000), taskCounts, sampled: page.items.length, recentTasks: page.items.slice(0, 20) };
}
