import { describe, expect, it } from 'vitest';
import { auditQueryOf, keptFilters, utcEpoch } from '@/components/audit/audit-query';

// The Audit page's URL → the audit log's query: filters as typed, datetime-local read as UTC,
// an invalid filter reported (and the unfiltered first page shown) rather than a crash.

describe('audit page query', () => {
  it('takes the filters from the URL, trimmed, 50 a page, times as UTC', () => {
    const { query, invalid } = auditQueryOf({ actor: ' ops ', action: 'workers.', target: '', outcome: 'failed', since: '2026-12-03T18:00', until: '2026-12-03T19:30:15', cursor: '1796320000000-0' });
    expect(invalid).toBeNull();
    expect(query).toEqual({ actor: 'ops', action: 'workers.', outcome: 'failed', since: Date.UTC(2026, 11, 3, 18, 0) / 1000, until: Date.UTC(2026, 11, 3, 19, 30, 15) / 1000, cursor: '1796320000000-0', limit: 50 });
  });

  it('ignores repeated parameters and what is not a date-time; reports an invalid outcome or cursor', () => {
    expect(auditQueryOf({ actor: ['a', 'b'], since: 'yesterday' }).query).toEqual({ limit: 50 });
    expect(utcEpoch('2026-12-03')).toBeUndefined();
    const bad = auditQueryOf({ outcome: 'maybe', cursor: 'x' });
    expect(bad.query).toEqual({ limit: 50 });
    expect(bad.invalid).toMatch(/outcome/);
    expect(bad.invalid).toMatch(/cursor/);
  });

  it('carries the filters, not the cursor, into paging links', () => {
    expect(keptFilters({ action: 'workers.', outcome: 'ok', cursor: '1-0', other: 'x' }).toString()).toBe('action=workers.&outcome=ok');
  });
});
