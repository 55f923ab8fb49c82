import { Empty } from '@/components/ui/card';
import { TableHead } from '@/components/ui/table-head';
import { formatExact, formatNumber } from '@/lib/format';
import type { ArchiveRow } from '@/lib/schemas/responses/queue-actions';
import { QueueActionDialog } from './queue-action-dialog';

// The queue's purge archives (and moves left half-way), each restorable into this or another
// queue until it expires; deleting one for good is an admin's.

export function ArchiveList({ queue, archives, canRestore, canDelete }: { queue: string; archives: ArchiveRow[]; canRestore: boolean; canDelete: boolean }) {
  if (archives.length === 0) return <Empty>No archives: a purge keeps the queue&apos;s messages here, restorable until they expire.</Empty>;
  const base = `/api/v1/queues/${encodeURIComponent(queue)}/archives`;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="archive-table">
        <TableHead columns={['Archive', 'Kind', 'When', 'By', 'Messages', 'Per band', 'Expires', ...(canRestore || canDelete ? ['Actions'] : [])]} />
        <tbody>
          {archives.map((a) => (
            <tr key={a.id} className="border-t border-border">
              <td className="py-1 pr-4 font-mono text-xs">{a.id}</td>
              <td className="py-1 pr-4 text-xs">{a.kind === 'move' ? `move to ${a.to ?? '?'} (interrupted)` : 'purge'}</td>
              <td className="py-1 pr-4 text-xs">{formatExact(a.at, true)}</td>
              <td className="py-1 pr-4 text-xs">{a.by}</td>
              <td className="py-1 pr-4 tabular-nums">{formatNumber(a.total)}</td>
              <td className="py-1 pr-4 text-xs text-muted">{a.remaining.filter((b) => b.count > 0).map((b) => `${b.band}: ${formatNumber(b.count)}`).join(' · ') || '—'}</td>
              <td className="py-1 pr-4 text-xs">{formatExact(a.expiresAt, true)}</td>
              {(canRestore || canDelete) && (
                <td className="flex gap-2 py-1 pr-4">
                  {canRestore && <QueueActionDialog kind="restore" queue={queue} url={`${base}/${a.id}/restore`} label="Restore…" name={`Restore ${a.id}`} />}
                  {canDelete && <QueueActionDialog kind="archive-delete" queue={queue} url={`${base}/${a.id}`} method="DELETE" label="Delete…" name={`Delete ${a.id}`} danger />}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
