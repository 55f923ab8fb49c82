import Link from 'next/link';
import { redirect } from 'next/navigation';
import { Suspense } from 'react';
import { BulkActions } from '@/components/tasks/bulk-actions';
import { REVOKE_ACTIONS, type TaskFilterBody } from '@/components/tasks/task-action-types';
import { TaskFilters } from '@/components/tasks/task-filters';
import { TaskTable } from '@/components/tasks/task-table';
import { Empty } from '@/components/ui/card';
import { TaskListQuery } from '@/lib/schemas/task-query';
import { actionsFor, currentPrincipal, pageView } from '@/lib/server/auth/page-guard';
import { getContext } from '@/lib/server/context';
import { taskFilterValues } from '@/lib/server/tasks/filter-values';
import { listTasks } from '@/lib/server/tasks/list-tasks';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Tasks' };

const RANGE_SECONDS: Record<string, number> = { '15m': 900, '1h': 3600, '24h': 86400, '7d': 604800 };

type Search = Record<string, string | string[] | undefined>;

/** The `since` of a time-range preset, relative to the request time. */
function sinceOf(range: string | undefined): string | undefined {
  const seconds = range ? RANGE_SECONDS[range] : undefined;
  return seconds ? String(Date.now() / 1000 - seconds) : undefined;
}

export default async function TasksPage({ searchParams }: { searchParams: Promise<Search> }) {
  const sp = await searchParams;
  const one = (k: string) => (typeof sp[k] === 'string' ? (sp[k] as string) : undefined);
  if (one('id')) redirect(`/tasks/${encodeURIComponent(one('id') as string)}`);
  const range = one('range');
  const parsed = TaskListQuery.safeParse({
    state: sp.state,
    name: one('name'),
    worker: one('worker'),
    queue: one('queue'),
    root: one('root'),
    q: one('q'),
    cursor: one('cursor'),
    order: one('order'),
    since: sinceOf(range) ?? one('since'),
    limit: '50',
  });
  const ctx = getContext();
  const [page, filters] = await Promise.all([parsed.success ? listTasks(ctx, parsed.data, await pageView()) : null, taskFilterValues(ctx)]);
  const older = new URLSearchParams();
  for (const [k, v] of Object.entries(sp)) for (const x of Array.isArray(v) ? v : v ? [v] : []) if (k !== 'cursor') older.append(k, x);
  if (page?.nextCursor) older.set('cursor', page.nextCursor);
  const principal = await currentPrincipal();
  const mayAct = principal ? actionsFor(principal).tasks : false;
  const filter = parsed.success ? filterBody(parsed.data) : null;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-xl font-semibold">Tasks</h1>
        <nav aria-label="Sort by time" className="flex gap-1 text-xs">
          {(['desc', 'asc'] as const).map((o) => {
            const href = new URLSearchParams(older);
            href.delete('cursor');
            href.set('order', o);
            const current = (one('order') ?? 'desc') === o;
            return (
              <Link key={o} href={`/tasks?${href}`} aria-current={current ? 'true' : undefined} className={`rounded px-2 py-0.5 ${current ? 'bg-surface-2 font-medium' : 'text-muted'}`}>
                {o === 'desc' ? 'Newest first' : 'Oldest first'}
              </Link>
            );
          })}
        </nav>
      </div>
      <Suspense>
        <TaskFilters names={filters.names} workers={filters.workers} queues={filters.queues} />
      </Suspense>
      {!parsed.success ? (
        <p role="alert" className="rounded border border-bad/40 bg-bad/10 p-3 text-sm">
          These filters are not valid: {parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}
        </p>
      ) : page && page.items.length > 0 ? (
        <>
          {mayAct && <BulkActions actions={REVOKE_ACTIONS} filter={filter} />}
          <TaskTable tasks={page.items} order={parsed.data.order} selectable={mayAct} />
          <nav aria-label="Pagination" className="flex gap-3 text-sm">
            {one('cursor') && (
              <Link className="text-accent hover:underline" href={`/tasks?${(() => { const n = new URLSearchParams(older); n.delete('cursor'); return n.toString(); })()}`}>
                ← First page
              </Link>
            )}
            {page.nextCursor && (
              <Link className="text-accent hover:underline" href={`/tasks?${older.toString()}`}>
                Next →
              </Link>
            )}
          </nav>
        </>
      ) : (
        <Empty>{one('cursor') ? 'No more tasks match.' : 'No task matches these filters.'}</Empty>
      )}
    </div>
  );
}

/** The list's filters as an action's `filter` (no paging); null when none is set (no action on every task). */
function filterBody(q: TaskListQuery): TaskFilterBody | null {
  const { order: _order, limit: _limit, cursor: _cursor, ...rest } = q;
  const entries = Object.entries(rest).flatMap(([k, v]) => (v === undefined ? [] : [[k, typeof v === 'number' ? String(v) : v] as const]));
  return entries.length > 0 ? Object.fromEntries(entries) : null;
}
