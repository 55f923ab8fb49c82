import Link from 'next/link';
import type { WorkerView } from '@/lib/schemas/api';
import { StatusBadge } from '@/components/ui/badges';
import { TimeAgo } from '@/components/shell/time-mode';
import { Sparkline } from './sparkline';

export function WorkersTable({ workers, compact = false }: { workers: WorkerView[]; compact?: boolean }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-muted">
          <tr>
            <th scope="col" className="py-1 pr-4 font-medium">Worker</th>
            <th scope="col" className="py-1 pr-4 font-medium">Status</th>
            <th scope="col" className="py-1 pr-4 font-medium">Heartbeat</th>
            <th scope="col" className="py-1 pr-4 text-right font-medium">Active</th>
            <th scope="col" className="py-1 pr-4 text-right font-medium">Processed</th>
            {!compact && <th scope="col" className="py-1 pr-4 font-medium">Load</th>}
            {!compact && <th scope="col" className="py-1 pr-4 font-medium">Version</th>}
            {!compact && <th scope="col" className="py-1 pr-4 font-medium">pid</th>}
          </tr>
        </thead>
        <tbody>
          {workers.map((w) => (
            <tr key={w.hostname} className="border-t border-border">
              <td className="py-1.5 pr-4 font-mono">
                <Link className="text-accent hover:underline" href={`/workers/${encodeURIComponent(w.hostname)}`}>
                  {w.hostname}
                </Link>
                {w.duplicatePids.length > 0 && <span className="ml-2 text-xs text-bad">duplicate node name (pids {w.duplicatePids.join(', ')})</span>}
              </td>
              <td className="py-1.5 pr-4">
                <StatusBadge status={w.status} />
              </td>
              <td className="py-1.5 pr-4">
                <TimeAgo ts={w.lastHeartbeat} />
              </td>
              <td className="py-1.5 pr-4 text-right tabular-nums">{w.active ?? '—'}</td>
              <td className="py-1.5 pr-4 text-right tabular-nums">{w.processed ?? '—'}</td>
              {!compact && (
                <td className="py-1.5 pr-4">
                  <Sparkline hostname={w.hostname} value={w.loadavg?.[0] ?? null} />
                </td>
              )}
              {!compact && <td className="py-1.5 pr-4 font-mono text-xs">{w.swVer ?? '—'}</td>}
              {!compact && (
                <td className="py-1.5 pr-4 font-mono text-xs">
                  {w.pid ?? '—'}
                  {w.restarts > 0 && <span className="ml-1 text-muted">({w.restarts} restart{w.restarts > 1 ? 's' : ''})</span>}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
