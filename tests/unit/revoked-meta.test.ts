import { describe, expect, it } from 'vitest';
import { decodeResultMeta, exceptionText, parseDateDone } from '@/lib/server/celery/result-meta';
import { encodeRevokedMeta } from '@/lib/server/celery/revoked-meta';

// The REVOKED record Trellis writes for a message it removed, against the one a Celery 5.2 worker
// wrote (protocol doc §7.2, captured): same fields in the same order, read back the same way.
const CAPTURED =
  '{"status": "REVOKED", "result": {"exc_type": "TaskRevokedError", "exc_message": ["terminated"], "exc_module": "celery.exceptions"}, "traceback": null, "children": [], "date_done": "2026-11-22T07:39:39.208328", "task_id": "df3dfa8b-0000-4000-8000-000000000000"}';

describe('the REVOKED result meta', () => {
  it('has the captured record’s fields in its order, and reads back as REVOKED at the time it was written', () => {
    const at = Date.UTC(2026, 11, 3, 18, 0, 0, 123);
    const text = encodeRevokedMeta('abc-1', at);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(Object.keys(JSON.parse(CAPTURED) as object));
    const meta = decodeResultMeta(text);
    expect(meta).toMatchObject({ status: 'REVOKED', traceback: null, children: [], extra: { task_id: 'abc-1' } });
    expect(exceptionText(meta?.result)).toBe("TaskRevokedError('revoked')");
    expect(parseDateDone(meta?.dateDone ?? null)).toBeCloseTo(at / 1000, 3);
    // Naive UTC with microseconds, as Celery ≤ 5.4 writes it.
    expect(meta?.dateDone).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  });
});
