import { notFound } from 'next/navigation';
import { TaskTable } from '@/components/tasks/task-table';
import { TimeAgo } from '@/components/shell/time-mode';
import { StatusBadge } from '@/components/ui/badges';
import { Card, Empty, StatTile } from '@/components/ui/card';
import { Sparkline } from '@/components/workers/sparkline';
import { INSPECT_TABS, InspectPanel, type InspectTab } from '@/components/workers/inspect-panel';
import { WorkerControls } from '@/components/workers/worker-controls';
import { AppError } from '@/lib/errors';
import { actionsFor, currentPrincipal, pageView } from '@/lib/server/auth/page-guard';
import { getContext } from '@/lib/server/context';
import { workerInspection } from '@/lib/server/inspect/worker-inspection';
import { getWorker } from '@/lib/server/workers/list-workers';

export const dynamic = 'force-dynamic';

export default async function WorkerPage({ params, searchParams }: { params: Promise<{ hostname: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const hostname = decodeURIComponent((await params).hostname);
  const search = await searchParams;
  const tab: InspectTab = INSPECT_TABS.find((t) => t === search.tab) ?? 'active';
  // "Refresh" carries the time of the reply it replaces; live refreshes reuse the remembered reply.
  const replacing = typeof search.refresh === 'string' && Number.isFinite(Number(search.refresh)) ? Number(search.refresh) : undefined;
  const ctx = getContext();
  const w = await getWorker(ctx, hostname, await pageView()).catch((err: unknown) => {
    if (err instanceof AppError && err.code === 'NOT_FOUND') notFound();
    throw err;
  });
  // Lost workers too: a solo-pool worker running a task sends no heartbeat (it shows as busy or gone).
  const inspect = w.status !== 'offline' ? await workerInspection(ctx, hostname, tab, tab === 'active' ? { safe: true } : {}, { replacing }) : null;
  const counts = Object.entries(w.taskCounts).sort((a, b) => b[1] - a[1]);
  const principal = await currentPrincipal();
  // Controls for operators only, never in read-only mode (the API refuses regardless); disabled for
  // an offline worker (still shown, so the outcome of a shutdown stays on screen when it goes offline).
  const actions = principal ? actionsFor(principal) : null;
  const mayControl = actions?.workers === true;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="font-mono text-xl font-semibold">{w.hostname}</h1>
        <StatusBadge status={w.status} />
        {w.duplicatePids.length > 0 && <span className="text-sm text-bad">Another process uses this node name (pids {w.duplicatePids.join(', ')})</span>}
      </div>
      <div className="grid grid-cols-2 gap-3 md:grid-cols-5">
        <StatTile label="Active" value={w.active ?? '—'} />
        <StatTile label="Processed" value={w.processed ?? '—'} />
        <StatTile label="Heartbeat" value={<TimeAgo ts={w.lastHeartbeat} />} hint={`every ${w.freq ?? 2} s`} />
        <StatTile label="Load (1 min)" value={<Sparkline hostname={w.hostname} value={w.loadavg?.[0] ?? null} />} hint={w.loadavg ? w.loadavg.map((l) => l.toFixed(2)).join(' / ') : undefined} />
        <StatTile label="pid" value={w.pid ?? '—'} hint={w.restarts ? `${w.restarts} restart(s); previous pid ${w.previousPid}` : `${w.swIdent ?? ''} ${w.swVer ?? ''}`} />
      </div>
      {inspect ? <InspectPanel hostname={w.hostname} tab={tab} reply={inspect} /> : <p className="text-sm text-muted">No inspection: the worker is offline.</p>}
      {mayControl && <WorkerControls hostname={w.hostname} offline={w.status === 'offline'} />}
      {actions?.readOnly && <p className="text-xs text-muted">Read-only mode (TRELLIS_READ_ONLY): worker controls are off.</p>}
      <div className="grid gap-4 lg:grid-cols-3">
        <Card title={`Tasks by name (last ${w.sampled})`}>
          {counts.length ? (
            <table className="w-full text-sm">
              <tbody>
                {counts.map(([name, n]) => (
                  <tr key={name} className="border-t border-border">
                    <td className="py-1 font-mono">{name}</td>
                    <td className="py-1 text-right tabular-nums">{n}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>No tasks yet.</Empty>
          )}
        </Card>
        <div className="lg:col-span-2">
          <h2 className="mb-2 text-sm font-semibold">Recent tasks</h2>
          {w.recentTasks.length ? <TaskTable tasks={w.recentTasks} /> : <Empty>No tasks yet.</Empty>}
        </div>
      </div>
      <p className="text-xs text-muted">
        Online since <TimeAgo ts={w.onlineSince} /> · {w.swSys ?? ''}
      </p>
    </div>
  );
}
