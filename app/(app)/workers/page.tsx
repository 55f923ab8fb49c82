import { Card, Empty } from '@/components/ui/card';
import { WorkersTable } from '@/components/workers/workers-table';
import { getContext } from '@/lib/server/context';
import { listWorkers } from '@/lib/server/workers/list-workers';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Workers' };

export default async function WorkersPage() {
  const workers = await listWorkers(getContext());
  const by = (s: string) => workers.filter((w) => w.status === s).length;
  return (
    <div className="space-y-4">
      <div className="flex items-baseline gap-3">
        <h1 className="text-xl font-semibold">Workers</h1>
        <span className="text-sm text-muted">
          {by('online')} online · {by('lost')} lost · {by('offline')} offline
        </span>
      </div>
      <Card>{workers.length ? <WorkersTable workers={workers} /> : <Empty>No worker has been heard from yet.</Empty>}</Card>
      <p className="text-xs text-muted">Online: heartbeat received within 2 × its interval. Lost: heartbeats stopped without a goodbye. Offline: the worker said goodbye (worker-offline).</p>
    </div>
  );
}
