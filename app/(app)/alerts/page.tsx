import Link from 'next/link';
import { ALERT_TABS, AlertTabs, type AlertTab } from '@/components/alerts/alert-tabs';
import { ChannelList } from '@/components/alerts/channel-list';
import { EvaluatorStatus } from '@/components/alerts/evaluator-status';
import { formatSpan } from '@/components/alerts/format';
import { IncidentCard } from '@/components/alerts/incident-card';
import { IncidentFilters } from '@/components/alerts/incident-filters';
import { RulesTable } from '@/components/alerts/rules-table';
import { SilenceForm } from '@/components/alerts/silence-form';
import { SilenceList } from '@/components/alerts/silence-list';
import { SUBJECT_LABELS } from '@/components/alerts/types';
import { Card, Empty } from '@/components/ui/card';
import { AlertFiltersSchema, listAlerts, listRules, listSilences } from '@/lib/server/alerts/alerts-api';
import { getContext } from '@/lib/server/context';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Alerts' };

type Search = Record<string, string | string[] | undefined>;

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
const isTab = (v: string | undefined): v is AlertTab => ALERT_TABS.some(([t]) => t === v);

/** The filters in the query string (blank fields of the GET form are absent; bad values ignored). */
function filtersOf(sp: Search) {
  const raw = { severity: one(sp.severity), rule: one(sp.rule), queue: one(sp.queue), worker: one(sp.worker), task: one(sp.task) };
  const parsed = AlertFiltersSchema.pick({ severity: true, rule: true, queue: true, worker: true, task: true }).safeParse(raw);
  return parsed.success ? parsed.data : {};
}

// Incidents by status (one view per tab), the rules with their channels, and the silences. Each tab
// reads one domain function; mutations go through the REST API from small client components.
export default async function AlertsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const sp = await searchParams;
  const tabParam = one(sp.tab);
  const tab: AlertTab = isTab(tabParam) ? tabParam : 'firing';
  const filters = filtersOf(sp);
  const query = (o: Record<string, string | number | undefined>) =>
    `/alerts?${new URLSearchParams(Object.entries({ ...filters, ...o }).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])))}`;
  const body = tab === 'rules' ? <RulesView /> : tab === 'silences' ? <SilencesView sp={sp} /> : null;

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Alerts</h1>
      {body ? (
        <>
          <AlertTabs current={tab} counts={{}} href={(t) => `/alerts?tab=${t}`} />
          {body}
        </>
      ) : (
        <IncidentsView tab={tab as Exclude<AlertTab, 'rules' | 'silences'>} filters={filters} before={Number(one(sp.before)) || undefined} query={query} />
      )}
    </div>
  );
}

async function IncidentsView({ tab, filters, before, query }: { tab: Exclude<AlertTab, 'rules' | 'silences'>; filters: ReturnType<typeof filtersOf>; before: number | undefined; query: (o: Record<string, string | number | undefined>) => string }) {
  const list = await listAlerts(getContext(), { ...filters, status: tab, before: tab === 'resolved' ? before : undefined, limit: 50 });
  const incidents = tab === 'resolved' ? list.history : list.active;
  const rules = [...new Set(incidents.map((i) => i.ruleId))].sort();
  return (
    <>
      <AlertTabs current={tab} counts={list.counts} href={(t) => query({ tab: t })} />
      <div className="flex flex-wrap items-end justify-between gap-3">
        <IncidentFilters tab={tab} values={filters} rules={rules} />
        <EvaluatorStatus cycle={list.evaluator} />
      </div>
      {incidents.length === 0 ? (
        <Empty>{tab === 'resolved' ? 'No resolved incidents (kept 90 days).' : `No ${tab} incidents${Object.keys(filters).length ? ' matching the filters' : ''}.`}</Empty>
      ) : (
        <div className="space-y-3">
          {incidents.map((i) => (
            <IncidentCard key={i.id} i={i} now={list.at} />
          ))}
        </div>
      )}
      {tab === 'resolved' && (
        <nav aria-label="History pages" className="flex gap-3 text-sm">
          {before !== undefined && <Link className="text-accent hover:underline" href={query({ tab })}>← Newest</Link>}
          {list.nextBefore !== null && <Link className="text-accent hover:underline" href={query({ tab, before: list.nextBefore })}>Older →</Link>}
        </nav>
      )}
    </>
  );
}

async function RulesView() {
  const { rules, channels, source, repeatIntervalSeconds } = await listRules(getContext());
  return (
    <>
      <p className="text-xs text-muted">
        {source ? `Rules from the defaults and ${source}` : 'Default rules (no TRELLIS_ALERTS_FILE)'} · a firing incident is notified again every {formatSpan(repeatIntervalSeconds)} until acknowledged.
      </p>
      <Card title={`Rules (${rules.length})`}>
        <RulesTable rules={rules} />
      </Card>
      <Card title={`Channels (${channels.length})`}>
        <ChannelList channels={channels} />
      </Card>
    </>
  );
}

async function SilencesView({ sp }: { sp: Search }) {
  const silences = await listSilences(getContext());
  const labels = Object.fromEntries(SUBJECT_LABELS.flatMap((l) => (one(sp[l]) ? [[l, one(sp[l])]] : [])));
  return (
    <>
      <Card title="New silence">
        <p className="mb-3 text-xs text-muted">A silence mutes the notifications of the incidents it matches (rule and labels are globs; all given must match). The incidents still open and resolve, shown as silenced.</p>
        <SilenceForm key={JSON.stringify([one(sp.rule), labels])} prefill={{ rule: one(sp.rule), labels }} />
      </Card>
      <Card title={`Silences (${silences.filter((s) => s.active).length} active)`}>
        <SilenceList silences={silences} />
      </Card>
    </>
  );
}
