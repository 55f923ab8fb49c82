import Link from 'next/link';
import { SUBJECT_LABELS } from './types';

const input = 'rounded border border-border bg-surface px-2 py-1 text-sm text-text';

/** Filters as a plain GET form: they live in the query string, work without JavaScript, survive reload. */
export function IncidentFilters({ tab, values, rules }: { tab: string; values: Partial<Record<'severity' | 'rule' | (typeof SUBJECT_LABELS)[number], string>>; rules: string[] }) {
  return (
    <form method="get" action="/alerts" className="flex flex-wrap items-end gap-3 rounded-lg border border-border bg-surface p-3" aria-label="Incident filters">
      <input type="hidden" name="tab" value={tab} />
      <label className="flex flex-col gap-1 text-xs text-muted">
        Severity
        <select name="severity" defaultValue={values.severity ?? ''} className={input}>
          <option value="">All</option>
          {['critical', 'warning', 'info'].map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col gap-1 text-xs text-muted">
        Rule
        <input name="rule" list="alert-rule-ids" defaultValue={values.rule ?? ''} className={input} />
        <datalist id="alert-rule-ids">
          {rules.map((r) => (
            <option key={r} value={r} />
          ))}
        </datalist>
      </label>
      {SUBJECT_LABELS.map((l) => (
        <label key={l} className="flex flex-col gap-1 text-xs text-muted">
          {`${l[0]?.toUpperCase()}${l.slice(1)}`}
          <input name={l} defaultValue={values[l] ?? ''} className={input} />
        </label>
      ))}
      <button type="submit" className="rounded border border-border bg-surface-2 px-3 py-1 text-sm font-medium hover:border-accent">
        Apply
      </button>
      <Link href={`/alerts?tab=${tab}`} className="py-1 text-sm text-accent hover:underline">
        Clear
      </Link>
    </form>
  );
}
