import Link from 'next/link';
import { incidentSpans, rangeStart } from '@/components/charts/incident-spans';
import { RuntimeChart, ThroughputChart } from '@/components/charts/throughput-chart';
import { TimeAgo } from '@/components/shell/time-mode';
import { Card, Empty, StatTile } from '@/components/ui/card';
import { WorkersTable } from '@/components/workers/workers-table';
import { recentRates, runtimeRows, throughputRows } from '@/lib/chart-series';
import { formatDuration, formatNumber } from '@/lib/format';
import { listAlerts } from '@/lib/server/alerts/alerts-api';
import type { RuleType } from '@/lib/server/alerts/rules/rule-types';
import { getContext } from '@/lib/server/context';
import { getHealth } from '@/lib/server/health/get-health';
import { getThroughput } from '@/lib/server/stats/throughput';
import { countTasks } from '@/lib/server/tasks/count-tasks';
import { listWorkers } from '@/lib/server/workers/list-workers';

export const dynamic = 'force-dynamic';

/** Incidents about what the throughput chart shows: failures, lost retries, and holes in the data. */
// Incidents drawn on the throughput chart: the rules about what it shows.
const THROUGHPUT_RULE_TYPES: RuleType[] = ['task_failure_rate', 'task_retries_exhausted', 'collector_gap'];

export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const range = (await searchParams).range === '24h' ? '24h' : '1h';
  const ctx = getContext();
  const since = rangeStart(range === '24h' ? 86_400 : 3_600);
  const [health, workers, throughput, counts, alerts] = await Promise.all([getHealth(ctx), listWorkers(ctx), getThroughput(ctx, range), countTasks(ctx, 'state'), listAlerts(ctx, { since, type: THROUGHPUT_RULE_TYPES, limit: 50 })]);
  const rows = throughputRows(throughput.points);
  const spans = incidentSpans([...alerts.active, ...alerts.history], { from: rows[0]?.t ?? since, to: alerts.at });
  const rates = recentRates(throughput.points);
  const online = workers.filter((w) => w.status === 'online').length;
  const lost = workers.filter((w) => w.status === 'lost').length;
  const lag = health.collector.lagSeconds.p99;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-xl font-semibold">Overview</h1>
        <span className="text-sm text-muted" data-testid="collector-status">
          Collector {health.collector.running ? 'running' : 'not running'} · {formatNumber(health.collector.eventsTotal)} events · {formatNumber(total)} tasks stored
        </span>
      </div>

      {health.status !== 'ok' && (
        <div role="alert" className="rounded-lg border border-warn/40 bg-warn/10 p-3 text-sm">
          <strong>Degraded.</strong>{' '}
          {!health.redis.store ? 'The store is unreachable. ' : ''}
          {!health.redis.broker ? 'The broker is unreachable. ' : ''}
          {!health.collector.running ? 'No process is collecting events right now; anything Celery does meanwhile is recorded as a gap. ' : ''}
          {health.gaps[0]?.end === null ? `Event subscription lost since ${new Date(health.gaps[0].start * 1000).toLocaleTimeString()}.` : ''}
        </div>
      )}

      <div className="grid grid-cols-2 gap-3 md:grid-cols-5">
        <StatTile label="Workers online" value={`${online}/${workers.length}`} tone={lost > 0 ? 'bad' : undefined} hint={lost > 0 ? `${lost} lost` : undefined} />
        <StatTile label="Tasks / min" value={rates.tasksPerMinute.toFixed(1)} hint="finished, last 5 min" />
        <StatTile
          label="Failure rate"
          value={rates.failureRate === null ? '—' : `${(rates.failureRate * 100).toFixed(1)} %`}
          tone={rates.failureRate !== null && rates.failureRate > 0.05 ? 'bad' : undefined}
          hint="last 5 min"
        />
        <StatTile label="Retries / min" value={rates.retriesPerMinute.toFixed(1)} hint="last 5 min" />
        <StatTile label="Collector lag" value={lag === null ? '—' : formatDuration(lag)} hint={`p99 · ${health.collector.eventsPerSecond.toFixed(0)} events/s`} tone={lag !== null && lag > 1 ? 'warn' : undefined} />
      </div>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card
          title={`Succeeded, failed, retried per ${range === '24h' ? '10 min (24 h)' : 'minute (1 h)'}`}
          actions={
            <nav aria-label="Chart range" className="flex gap-1 text-xs">
              {(['1h', '24h'] as const).map((r) => (
                <Link key={r} href={r === '1h' ? '/' : '/?range=24h'} aria-current={r === range ? 'true' : undefined} className={`rounded px-2 py-0.5 ${r === range ? 'bg-surface-2 font-medium' : 'text-muted'}`}>
                  {r}
                </Link>
              ))}
            </nav>
          }
        >
          <ThroughputChart rows={rows} spans={spans} />
        </Card>
        <Card title="Runtime p50 / p95 per minute">
          <RuntimeChart rows={runtimeRows(throughput.points)} />
        </Card>
      </div>

      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Workers" className="lg:col-span-2">
          {workers.length ? <WorkersTable workers={workers} compact /> : <Empty>No worker has been heard from yet. Workers must run with -E (task events) to appear with their tasks.</Empty>}
        </Card>
        <Card title={`Top failing tasks (${range})`}>
          {throughput.topFailing.length ? (
            <ol className="space-y-1 text-sm">
              {throughput.topFailing.map((f) => (
                <li key={f.name} className="flex justify-between gap-2">
                  <Link className="truncate font-mono text-accent hover:underline" href={`/tasks?state=FAILURE&name=${encodeURIComponent(f.name)}`}>
                    {f.name}
                  </Link>
                  <span className="tabular-nums text-bad">{f.failed}</span>
                </li>
              ))}
            </ol>
          ) : (
            <Empty>No failures in this range.</Empty>
          )}
        </Card>
      </div>

      {health.gaps.length > 0 && (
        <Card title="Observation gaps">
          <p className="mb-2 text-xs text-muted">Periods Trellis could not observe. Unfinished tasks were checked against the result backend afterwards.</p>
          <ul className="space-y-1 text-sm">
            {health.gaps.slice(0, 5).map((g) => (
              <li key={`${g.start}`}>
                <TimeAgo ts={g.start} /> → {g.end === null ? 'ongoing' : <TimeAgo ts={g.end} />} · {g.reason}
                {g.reconciled ? ` · ${g.reconciled.updated} of ${g.reconciled.checked} unfinished tasks reconciled` : ''}
              </li>
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}
