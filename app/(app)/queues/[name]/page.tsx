import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ArchiveList } from '@/components/queues/archive-list';
import { ConsumerList } from '@/components/queues/consumer-list';
import { DepthChart } from '@/components/queues/depth-chart';
import { MeasureStatus } from '@/components/queues/measure-status';
import { QueueActionDialog } from '@/components/queues/queue-action-dialog';
import { Card, Empty, StatTile } from '@/components/ui/card';
import { TableHead } from '@/components/ui/table-head';
import { AppError } from '@/lib/errors';
import { formatDrain, formatNumber, formatWaited, WAITED_SOURCE } from '@/lib/format';
import { incidentSpans, rangeStart } from '@/components/charts/incident-spans';
import { listAlerts, listRules } from '@/lib/server/alerts/alerts-api';
import { inScope } from '@/lib/server/alerts/evaluate/observation';
import { actionsFor, currentPrincipal, pageView } from '@/lib/server/auth/page-guard';
import { getContext } from '@/lib/server/context';
import { getQueue } from '@/lib/server/queues/get-queue';
import { PEEK_MAX_OFFSET, peekMessages } from '@/lib/server/queues/peek';
import { listArchives } from '@/lib/server/queue-actions/archive';

export const dynamic = 'force-dynamic';

const PAGE = 20;
const RANGE_SECONDS = { '1h': 3_600, '24h': 86_400, '7d': 604_800 } as const;

export default async function QueuePage({ params, searchParams }: { params: Promise<{ name: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const name = decodeURIComponent((await params).name);
  const sp = await searchParams;
  const range = sp.range === '24h' || sp.range === '7d' ? sp.range : '1h';
  const offset = Math.min(PEEK_MAX_OFFSET, Math.max(0, Math.trunc(Number(sp.offset ?? 0)) || 0));
  const ctx = getContext();
  const since = rangeStart(RANGE_SECONDS[range]);
  const principal = await currentPrincipal();
  const actions = principal ? actionsFor(principal) : null;
  const may = { queues: actions?.queues === true, queuesDelete: actions?.queuesDelete === true };
  const [q, peek, alerts, { rules }, archives] = await Promise.all([
    getQueue(ctx, name, range).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'NOT_FOUND') notFound();
      if (err instanceof AppError && err.code === 'UNAVAILABLE') return null;
      throw err;
    }),
    peekMessages(ctx, name, offset, PAGE, await pageView()),
    // This queue's incidents in the shown range (active and resolved) and the backlog rules that apply to it.
    listAlerts(ctx, { queue: name, since, limit: 50 }),
    listRules(ctx),
    listArchives(ctx, name),
  ]);
  if (!q) return <Empty>Queues not measured yet: no collecting process has sampled the broker.</Empty>;
  const spans = incidentSpans([...alerts.active, ...alerts.history], { from: q.history[0]?.t ?? since, to: q.at });
  const thresholds = rules.filter((r) => r.enabled && r.type === 'queue_backlog' && inScope(r.scope, { queue: name })).map((r) => ({ rule: r.id, value: r.threshold }));
  const href = (o: Record<string, string | number>) => `/queues/${encodeURIComponent(name)}?${new URLSearchParams({ range, offset: String(offset), ...Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)])) })}`;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="font-mono text-xl font-semibold">{q.name}</h1>
        {q.consumers.length === 0 && <span className="rounded border border-bad/40 bg-bad/10 px-1.5 py-0.5 text-xs font-medium text-bad">no consumers</span>}
        {may.queues && (
          <div className="ml-auto flex gap-2" role="group" aria-label="Queue actions">
            <QueueActionDialog kind="move" queue={q.name} url={`/api/v1/queues/${encodeURIComponent(q.name)}/move`} label="Move…" />
            <QueueActionDialog kind="purge" queue={q.name} url={`/api/v1/queues/${encodeURIComponent(q.name)}/purge`} label="Purge…" danger />
          </div>
        )}
      </div>
      {actions?.readOnly && <p className="text-xs text-muted">Read-only mode (TRELLIS_READ_ONLY): queue actions are off.</p>}
      <MeasureStatus sampledAt={q.sampledAt} discovery={q.discovery} now={q.at} />
      <div className="grid grid-cols-2 gap-3 md:grid-cols-6">
        <StatTile label="Waiting" value={formatNumber(q.depth)} hint={q.bands.map((b) => `band ${b.step}: ${b.depth}`).join(' · ')} />
        <StatTile label="Unacked" value={q.unacked} hint={`${q.reserved} reserved · ${q.scheduled} scheduled (ETA)`} />
        <StatTile label="In / out per s" value={q.rates ? `${q.rates.inPerSecond.toFixed(2)} / ${q.rates.outPerSecond.toFixed(2)}` : '—'} />
        <StatTile label="Drains in" value={formatDrain(q)} tone={q.depth > 0 && q.drainSeconds === null ? 'warn' : undefined} />
        <StatTile label="Next waited" value={formatWaited(q)} hint={q.oldestAgeSource ? WAITED_SOURCE[q.oldestAgeSource] : undefined} />
        <StatTile label="Consumers" value={q.consumers.length} hint={q.consumers.length > 0 ? <ConsumerList consumers={q.consumers} busy={q.busyConsumers} /> : undefined} />
      </div>
      <Card
        title={`Depth${thresholds.length ? ` · backlog alert above ${thresholds.map((t) => formatNumber(t.value)).join(' / ')}` : ''}${spans.length ? ` · ${spans.length} incident${spans.length > 1 ? 's' : ''} shaded` : ''}`}
        actions={
          <nav aria-label="History range" className="flex gap-1 text-xs">
            {(['1h', '24h', '7d'] as const).map((r) => (
              <Link key={r} href={href({ range: r })} aria-current={r === range ? 'true' : undefined} className={`rounded px-2 py-0.5 ${r === range ? 'bg-surface-2 font-medium' : 'text-muted'}`}>
                {r}
              </Link>
            ))}
          </nav>
        }
      >
        {q.history.length ? <DepthChart points={q.history} thresholds={thresholds} spans={spans} /> : <Empty>No samples yet (sampled every {ctx.config.sampleIntervalSeconds} s).</Empty>}
      </Card>
      <Card title={`Waiting messages, next to run first (${formatNumber(peek.depth)})`}>
        {peek.items.length === 0 ? (
          <Empty>Nothing waiting.</Empty>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="peek-table">
              <TableHead columns={['#', 'Task', 'Id', 'Args', 'ETA', 'Band', 'Retries', 'Redelivered', 'Size', ...(may.queuesDelete ? ['Actions'] : [])]} />
              <tbody>
                {peek.items.map((m) => (
                  <tr key={`${m.position}-${m.id}`} className="border-t border-border">
                    <td className="py-1 pr-4 tabular-nums">{m.position + 1}</td>
                    <td className="py-1 pr-4 font-mono text-xs">{m.undecodable ?? m.task}</td>
                    <td className="py-1 pr-4 font-mono text-xs">{m.id ? <Link className="text-accent hover:underline" href={`/tasks/${m.id}`}>{m.id}</Link> : '—'}</td>
                    <td className="max-w-xs truncate py-1 pr-4 font-mono text-xs">{m.argsRepr}</td>
                    <td className="py-1 pr-4 text-xs">{m.eta ?? '—'}</td>
                    <td className="py-1 pr-4 tabular-nums">{m.band}</td>
                    <td className="py-1 pr-4 tabular-nums">{m.retries ?? '—'}</td>
                    <td className="py-1 pr-4">{m.redelivered ? 'yes' : ''}</td>
                    <td className="py-1 pr-4 tabular-nums text-xs">{m.size} B</td>
                    {may.queuesDelete && (
                      <td className="py-1 pr-4">
                        {m.id && <QueueActionDialog kind="message-delete" queue={q.name} url={`/api/v1/queues/${encodeURIComponent(q.name)}/messages/${encodeURIComponent(m.id)}`} method="DELETE" label="Delete" name={`Delete ${m.id}`} danger />}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav aria-label="Messages pages" className="mt-2 flex gap-3 text-sm">
          {offset > 0 && <Link className="text-accent hover:underline" href={href({ offset: Math.max(0, offset - PAGE) })}>← Previous</Link>}
          {peek.nextOffset !== null && peek.nextOffset <= PEEK_MAX_OFFSET && <Link className="text-accent hover:underline" href={href({ offset: peek.nextOffset })}>Next →</Link>}
        </nav>
      </Card>
      <Card title={`Archives (${archives.items.length})`}>
        <ArchiveList queue={q.name} archives={archives.items} canRestore={may.queues} canDelete={may.queuesDelete} />
      </Card>
    </div>
  );
}
