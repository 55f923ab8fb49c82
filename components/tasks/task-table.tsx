import Link from 'next/link';
import type { TaskSummary } from '@/lib/schemas/api';
import { StateBadge } from '@/components/ui/badges';
import { TimeAgo } from '@/components/shell/time-mode';
import { formatDuration } from '@/lib/format';
import { BULK_FORM_ID } from './task-action-types';

/** `selectable`: each row gets a checkbox of the bulk-selection bar (bulk-actions.tsx). */
export function TaskTable({ tasks, order = 'desc', selectable = false }: { tasks: TaskSummary[]; order?: 'asc' | 'desc'; selectable?: boolean }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-border bg-surface">
      <table className="w-full text-left text-sm" data-testid="task-table">
        <thead className="bg-surface-2 text-xs uppercase text-muted">
          <tr>
            {selectable && (
              <th scope="col" className="w-8 px-3 py-2 font-medium">
                <span className="sr-only">Select</span>
              </th>
            )}
            <th scope="col" className="px-3 py-2 font-medium">State</th>
            <th scope="col" className="px-3 py-2 font-medium">Task</th>
            <th scope="col" className="px-3 py-2 font-medium">Args</th>
            <th scope="col" className="px-3 py-2 font-medium">Worker</th>
            <th scope="col" className="px-3 py-2 font-medium">Queue</th>
            <th scope="col" className="px-3 py-2 font-medium" aria-sort={order === 'asc' ? 'ascending' : 'descending'}>Seen</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Runtime</th>
            <th scope="col" className="px-3 py-2 text-right font-medium">Retries</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => (
            <tr key={t.id} className="border-t border-border align-top" data-task-id={t.id}>
              {selectable && (
                <td className="px-3 py-1.5">
                  <input type="checkbox" form={BULK_FORM_ID} name="id" value={t.id} aria-label={`Select ${t.name ?? 'task'} ${t.id}`} />
                </td>
              )}
              <td className="px-3 py-1.5">
                <StateBadge state={t.state} />
              </td>
              <td className="px-3 py-1.5">
                <Link href={`/tasks/${t.id}`} className="font-mono text-accent hover:underline">
                  {t.name ?? '(unknown)'}
                </Link>
                <div className="font-mono text-xs text-muted">{t.id}</div>
                {t.exception && <div className="max-w-md truncate font-mono text-xs text-bad" title={t.exception}>{t.exception}</div>}
              </td>
              <td className="max-w-xs truncate px-3 py-1.5 font-mono text-xs" title={`${t.args ?? ''} ${t.kwargs ?? ''}`}>
                {t.args}
                {t.kwargs && t.kwargs !== '{}' ? ` ${t.kwargs}` : ''}
              </td>
              <td className="px-3 py-1.5 font-mono text-xs">{t.worker ?? '—'}</td>
              <td className="px-3 py-1.5 font-mono text-xs">{t.queue ?? '—'}</td>
              <td className="whitespace-nowrap px-3 py-1.5 text-xs">
                <TimeAgo ts={t.firstSeen} />
              </td>
              <td className="px-3 py-1.5 text-right text-xs tabular-nums">{formatDuration(t.runtime)}</td>
              <td className="px-3 py-1.5 text-right text-xs tabular-nums">{t.retries || ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
