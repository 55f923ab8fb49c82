'use client';

import { useState } from 'react';
import type { z } from 'zod';
import type { AuditVerificationSchema } from '@/lib/schemas/responses/audit';

type Verification = z.infer<typeof AuditVerificationSchema>;

/** Asks GET /api/v1/audit/verify to recompute the hash chain and says what it found. */
export function VerifyChainButton() {
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<{ ok: true; v: Verification } | { ok: false; message: string } | null>(null);
  const verify = async () => {
    setBusy(true);
    setAnswer(null);
    try {
      const res = await fetch('/api/v1/audit/verify');
      const body: unknown = await res.json();
      if (res.ok) setAnswer({ ok: true, v: body as Verification });
      else setAnswer({ ok: false, message: (body as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}` });
    } catch (err) {
      setAnswer({ ok: false, message: err instanceof Error ? err.message : 'request failed' });
    }
    setBusy(false);
  };
  return (
    <div className="flex flex-wrap items-center gap-3">
      <button type="button" onClick={() => void verify()} disabled={busy} className="rounded border border-border bg-surface-2 px-2 py-1 text-xs font-medium hover:border-accent disabled:opacity-60">
        {busy ? 'Verifying…' : 'Verify chain'}
      </button>
      <p role="status" aria-live="polite" data-testid="verify-result" className="text-sm">
        {answer === null ? null : !answer.ok ? (
          <span className="text-bad">Could not verify: {answer.message}</span>
        ) : answer.v.ok ? (
          <span className="text-ok">
            Chain intact: {answer.v.checked} entries checked{answer.v.anchoredAt ? ' (from the oldest kept entry; older ones expired)' : ''}.
          </span>
        ) : (
          <span className="text-bad">
            Chain broken at entry {answer.v.broken?.id}: {answer.v.broken?.reason} ({answer.v.checked} entries checked).
          </span>
        )}
      </p>
    </div>
  );
}
