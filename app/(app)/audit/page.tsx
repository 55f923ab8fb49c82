import Link from 'next/link';
import { VerifyChainButton } from '@/components/audit/verify-chain-button';
import { TimeAgo } from '@/components/shell/time-mode';
import { Empty } from '@/components/ui/card';
import { TableHead } from '@/components/ui/table-head';
import { listAudit } from '@/lib/server/actions/audit-log';
import { requirePage } from '@/lib/server/auth/page-guard';
import { getContext } from '@/lib/server/context';
import { AuditOutcomeSchema } from '@/lib/schemas/audit';
import { auditQueryOf, keptFilters, searchValue, type SearchParams } from '@/components/audit/audit-query';

export const metadata = { title: 'Audit' };
export const dynamic = 'force-dynamic';

// The audit log (operator and admin): every action newest first, filtered in the URL (a plain GET
// form: shareable, works without script), paged by cursor, each entry's parameters, result and
// worker replies expandable; "Verify chain" recomputes the hash chain.

const OUTCOME_STYLE: Record<string, string> = { ok: 'text-ok', partial: 'text-warn', failed: 'text-bad', refused: 'text-bad', 'dry-run': 'text-muted' };

function Json({ label, value }: { label: string; value: unknown }) {
  return (
    <div>
      <h3 className="text-xs font-medium text-muted">{label}</h3>
      <pre tabIndex={0} className="max-h-64 overflow-auto rounded bg-surface-2 p-2 text-xs">
        {JSON.stringify(value, null, 2)}
      </pre>
    </div>
  );
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const access = await requirePage('audit:read');
  if (!access.ok) return <p role="alert">{access.message}</p>;
  const search = await searchParams;
  const { query, invalid } = auditQueryOf(search);
  const page = await listAudit(getContext(), query);
  const kept = keptFilters(search);
  const field = 'rounded border border-border bg-surface px-2 py-1 text-sm text-text';
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold">Audit</h1>
        <div className="ml-auto">
          <VerifyChainButton />
        </div>
      </div>
      <form method="get" action="/audit" aria-label="Audit filters" className="flex flex-wrap items-end gap-2 rounded-lg border border-border bg-surface p-3">
        {(
          [
            ['actor', 'Actor'],
            ['action', 'Action (exact, or a prefix ending in ".")'],
            ['target', 'Target'],
          ] as const
        ).map(([name, label]) => (
          <label key={name} className="flex flex-col gap-1 text-xs text-muted">
            {label}
            <input name={name} defaultValue={searchValue(search[name]) ?? ''} maxLength={300} className={field} placeholder={name === 'action' ? 'workers.' : undefined} />
          </label>
        ))}
        <label className="flex flex-col gap-1 text-xs text-muted">
          Outcome
          <select name="outcome" defaultValue={searchValue(search.outcome) ?? ''} className={field}>
            <option value="">All</option>
            {AuditOutcomeSchema.options.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs text-muted">
          Since (UTC)
          <input type="datetime-local" name="since" defaultValue={searchValue(search.since) ?? ''} className={field} />
        </label>
        <label className="flex flex-col gap-1 text-xs text-muted">
          Until (UTC)
          <input type="datetime-local" name="until" defaultValue={searchValue(search.until) ?? ''} className={field} />
        </label>
        <button type="submit" className="rounded border border-border bg-surface-2 px-3 py-1 text-sm font-medium hover:border-accent">
          Filter
        </button>
        <Link href="/audit" className="px-2 py-1 text-sm text-muted hover:text-text">
          Clear
        </Link>
      </form>
      {invalid && (
        <p role="alert" className="text-sm text-bad">
          Filters not applied: {invalid}
        </p>
      )}
      {page.items.length === 0 ? (
        <Empty>No actions recorded{kept.size ? ' that match these filters' : ''}.</Empty>
      ) : (
        <table className="w-full text-left text-sm" aria-label="Audit log">
          <TableHead columns={['When', 'Actor', 'Action', 'Target', 'Outcome', 'Details']} />
          <tbody>
            {page.items.map((e) => (
              <tr key={e.id} className="border-t border-border align-top" data-testid="audit-entry">
                <td className="py-1 pr-4 whitespace-nowrap">
                  <TimeAgo ts={e.at} />
                </td>
                <td className="py-1 pr-4">
                  {e.actor.name} <span className="text-xs text-muted">({e.actor.role})</span>
                </td>
                <td className="py-1 pr-4 font-mono">{e.action}</td>
                <td className="py-1 pr-4 font-mono break-all">{e.target}</td>
                <td className={`py-1 pr-4 font-medium ${OUTCOME_STYLE[e.outcome] ?? ''}`}>{e.outcome}</td>
                <td className="py-1">
                  <details>
                    <summary className="cursor-pointer text-xs text-muted">
                      Parameters, result, replies<span className="sr-only"> of {e.action} on {e.target}</span>
                    </summary>
                    <div className="mt-2 space-y-2">
                      {e.error && <p className="text-xs text-bad">Error: {e.error}</p>}
                      <p className="text-xs text-muted">
                        Entry {e.id} · request {e.requestId ?? '—'} · preview count {e.previewCount ?? '—'}
                      </p>
                      <Json label="Parameters" value={e.params} />
                      <Json label="Result" value={e.result} />
                      <Json label="Worker replies" value={e.replies} />
                    </div>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav aria-label="Audit pages" className="flex gap-3 text-sm">
        {query.cursor && (
          <Link href={`/audit${kept.size ? `?${kept}` : ''}`} className="text-accent hover:underline">
            ← Newest
          </Link>
        )}
        {page.nextCursor && (
          <Link href={`/audit?${new URLSearchParams([...kept, ['cursor', page.nextCursor]])}`} className="text-accent hover:underline">
            Older →
          </Link>
        )}
      </nav>
    </div>
  );
}
