import { TableHead } from '@/components/ui/table-head';
import { formatSpan, formatValue } from './format';
import { SeverityBadge } from './severity-badge';
import type { RuleItem, RuleParam } from './types';

// Every rule as the collecting process evaluates it: type, severity, how long it must hold, the
// parameters its type reads with what they mean, scope, routing and how many incidents it has now.

const DURATION_PARAMS: ReadonlySet<RuleParam> = new Set(['window']);

function Params({ r }: { r: RuleItem }) {
  const entries = Object.entries(r.params) as Array<[RuleParam, string]>;
  if (entries.length === 0) return <span className="text-muted">—</span>;
  return (
    <ul className="space-y-0.5">
      {entries.map(([k, meaning]) => (
        <li key={k}>
          <span className="font-mono">
            {k} {DURATION_PARAMS.has(k) ? formatSpan(r[k]) : formatValue(r[k])}
          </span>{' '}
          <span className="text-muted">{meaning}</span>
        </li>
      ))}
    </ul>
  );
}

function Scope({ scope }: { scope: RuleItem['scope'] }) {
  const parts = Object.entries(scope).filter(([, globs]) => globs && globs.length > 0);
  if (parts.length === 0) return <span className="text-muted">all</span>;
  return <span className="font-mono">{parts.map(([k, globs]) => `${k}: ${globs?.join(', ')}`).join(' · ')}</span>;
}

export function RulesTable({ rules }: { rules: RuleItem[] }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-xs" data-testid="rules-table">
        <TableHead columns={['Rule', 'Severity', 'For', 'Parameters', 'Scope', 'Channels', 'Active / firing']} className="uppercase text-muted" />
        <tbody>
          {rules.map((r) => (
            <tr key={r.id} className={`border-t border-border align-top ${r.enabled ? '' : 'opacity-60'}`} data-rule={r.id}>
              <th scope="row" className="py-2 pr-4 font-normal">
                <div className="font-mono text-sm font-medium">{r.id}</div>
                <div className="text-muted">
                  {r.type} · per {r.subject}
                  {r.enabled ? '' : ' · disabled'}
                </div>
                {r.description && <div className="mt-0.5 max-w-xs">{r.description}</div>}
              </th>
              <td className="py-2 pr-4">
                <SeverityBadge severity={r.severity} />
              </td>
              <td className="py-2 pr-4 whitespace-nowrap">{formatSpan(r.for)}</td>
              <td className="py-2 pr-4">
                <Params r={r} />
              </td>
              <td className="py-2 pr-4">
                <Scope scope={r.scope} />
              </td>
              <td className="py-2 pr-4 font-mono">{r.routedTo.length ? r.routedTo.join(', ') : <span className="font-sans text-muted">none</span>}</td>
              <td className={`py-2 pr-4 tabular-nums ${r.firing > 0 ? 'font-medium text-bad' : ''}`}>
                {r.active} / {r.firing}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
