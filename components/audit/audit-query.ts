import { AuditQuerySchema, type AuditQuery } from '@/lib/schemas/audit';

// The Audit page's filters as they stand in its URL → the audit log's query. Times come from
// datetime-local fields, read as UTC (the field has no zone; the page says UTC).

export const AUDIT_FILTERS = ['actor', 'action', 'target', 'outcome', 'since', 'until'] as const;
export const AUDIT_PAGE_SIZE = 50;

export type SearchParams = Record<string, string | string[] | undefined>;

/** A single non-blank value (repeated or blank parameters count as absent). */
export const searchValue = (v: string | string[] | undefined): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** "2026-12-03T18:00" → epoch seconds (UTC); undefined when absent or not a date-time. */
export function utcEpoch(v: string | undefined): number | undefined {
  const t = v && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v) ? Date.parse(`${v}Z`) : NaN;
  return Number.isFinite(t) ? t / 1000 : undefined;
}

/** The query, or the unfiltered first page and why the filters were not applied. */
export function auditQueryOf(search: SearchParams): { query: AuditQuery; invalid: string | null } {
  const raw = {
    actor: searchValue(search.actor),
    action: searchValue(search.action),
    target: searchValue(search.target),
    outcome: searchValue(search.outcome),
    since: utcEpoch(searchValue(search.since)),
    until: utcEpoch(searchValue(search.until)),
    cursor: searchValue(search.cursor),
    limit: AUDIT_PAGE_SIZE,
  };
  const parsed = AuditQuerySchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (parsed.success) return { query: parsed.data, invalid: null };
  return { query: AuditQuerySchema.parse({ limit: AUDIT_PAGE_SIZE }), invalid: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}

/** The filters to carry into paging links (never the cursor). */
export function keptFilters(search: SearchParams): URLSearchParams {
  return new URLSearchParams(AUDIT_FILTERS.flatMap((f) => {
    const v = searchValue(search[f]);
    return v ? [[f, v]] : [];
  }));
}
