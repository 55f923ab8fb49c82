import Link from 'next/link';
import { ConsumerList } from '@/components/queues/consumer-list';
import { DepthSparkline } from '@/components/queues/depth-chart';
import { MeasureStatus } from '@/components/queues/measure-status';
import { Card, Empty, StatTile } from '@/components/ui/card';
import { formatDrain, formatDuration, formatNumber, formatWaited, WAITED_SOURCE } from '@/lib/format';
import { brokerHealth } from '@/lib/server/broker/broker-health';
import { getContext } from '@/lib/server/context';
import { readHistories } from '@/lib/server/queues/history';
import { listQueues } from '@/lib/server/queues/list-queues';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Queues' };

const SPARKLINES = 50;
const mib = (b: number | null) => (b === null ? '—' : `${(b / 2 ** 20).toFixed(1)} MiB`);

export default async function QueuesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const all = (await searchParams).all === 'true';
  const ctx = getContext();
  const [list, broker] = await Promise.all([listQueues(ctx, { all }), brokerHealth(ctx)]);
  // The last hour of the first queues, all read in one store pipeline.
  const histories = await readHistories(ctx, list.queues.slice(0, SPARKLINES).map((q) => q.name), '1h');
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-xl font-semibold">Queues</h1>
        <span className="text-sm text-muted">
          {list.queues.length} queues · {formatNumber(list.unacked.total)} delivered, not acked
          {list.unacked.unmapped > 0 && ` (${formatNumber(list.unacked.unmapped)} of them for no queue listed here)`}
          {list.hidden > 0 && (
            <>
              {' · '}
              <Link className="text-accent hover:underline" href="/queues?all=true">
                show {list.hidden} stale
              </Link>
            </>
          )}
        </span>
      </div>
      <MeasureStatus sampledAt={list.sampledAt} discovery={list.discovery} now={list.at} />
      {list.noReply.length > 0 && <p className="text-sm text-warn">No inspect reply from {list.noReply.join(', ')} (busy solo worker or gone): their reserved and scheduled counts are missing; their queues are those of their last reply (marked busy).</p>}
      <Card>
        {list.queues.length === 0 ? (
          <Empty>{list.sampledAt === null ? 'No queue measured yet (no collecting process has sampled the broker).' : 'No queue found yet (from workers, kombu bindings or TRELLIS_QUEUES).'}</Empty>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="queues-table">
              <thead className="text-xs uppercase text-muted">
                <tr>
                  {['Queue', 'Waiting', 'Last hour', 'By priority band', 'Consumers', 'Unacked', 'Reserved', 'Scheduled', 'In / out per s', 'Drains in', 'Next waited'].map((h) => (
                    <th key={h} scope="col" className="py-1 pr-4 font-medium">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {list.queues.map((q) => (
                  <tr key={q.name} className="border-t border-border" data-queue={q.name}>
                    <td className="py-1.5 pr-4 font-mono">
                      <Link className="text-accent hover:underline" href={`/queues/${encodeURIComponent(q.name)}`}>
                        {q.name}
                      </Link>
                      {q.stale && <span className="ml-2 text-xs text-muted">stale</span>}
                    </td>
                    <td className="py-1.5 pr-4 text-right tabular-nums font-semibold">{formatNumber(q.depth)}</td>
                    <td className="py-1.5 pr-4">
                      <DepthSparkline values={histories.get(q.name)?.points.map((p) => p.depth) ?? []} />
                    </td>
                    <td className="py-1.5 pr-4 font-mono text-xs">{q.bands.map((b) => `${b.step}:${b.depth}`).join(' ')}</td>
                    <td className="py-1.5 pr-4 text-xs">
                      <ConsumerList consumers={q.consumers} busy={q.busyConsumers} />
                    </td>
                    <td className="py-1.5 pr-4 text-right tabular-nums">{q.unacked}</td>
                    <td className="py-1.5 pr-4 text-right tabular-nums">{q.reserved}</td>
                    <td className="py-1.5 pr-4 text-right tabular-nums">{q.scheduled}</td>
                    <td className="py-1.5 pr-4 text-right text-xs tabular-nums">{q.rates ? `${q.rates.inPerSecond.toFixed(2)} / ${q.rates.outPerSecond.toFixed(2)}` : '—'}</td>
                    <td className="py-1.5 pr-4 text-xs">{formatDrain(q)}</td>
                    <td className="py-1.5 pr-4 text-xs" title={q.oldestAgeSource ? WAITED_SOURCE[q.oldestAgeSource] : undefined}>{formatWaited(q)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <section aria-label="Broker health" className="space-y-2">
        <h2 className="text-sm font-semibold">Broker</h2>
        {broker.warnings.map((w) => (
          <p key={w} role="alert" className="rounded border border-warn/40 bg-warn/10 p-2 text-sm">
            {w}
          </p>
        ))}
        <div className="grid grid-cols-2 gap-3 md:grid-cols-5">
          <StatTile label="Redis memory" value={mib(broker.usedMemoryBytes)} hint={broker.maxMemoryBytes ? `of ${mib(broker.maxMemoryBytes)}` : 'no maxmemory'} />
          <StatTile label="Eviction policy" value={broker.maxMemoryPolicy ?? 'unknown'} tone={broker.maxMemoryPolicy && broker.maxMemoryPolicy !== 'noeviction' ? 'warn' : undefined} />
          <StatTile label="Clients" value={broker.connectedClients ?? '—'} hint={`${broker.blockedClients ?? 0} blocked`} />
          <StatTile label="Trellis store" value={mib(broker.store.estimatedBytes)} hint={`${formatNumber(broker.store.keys)} keys (${broker.store.method})`} />
          <StatTile label="Redis" value={broker.redisVersion ?? '—'} hint={broker.uptimeSeconds !== null ? `up ${formatDuration(broker.uptimeSeconds)}` : undefined} />
        </div>
      </section>
    </div>
  );
}
