'use client';

import { useState } from 'react';
import { callApi } from './call-api';

interface TestResult {
  result: { ok: boolean; attempts: number; status?: number; error?: string };
}

/** Sends a test notification through one channel and says how it went (status, attempts, error). */
export function ChannelTestButton({ id }: { id: string }) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const send = async () => {
    setBusy(true);
    setOutcome(null);
    const r = await callApi<TestResult>('POST', `/api/v1/alerts/channels/${encodeURIComponent(id)}/test`);
    setBusy(false);
    if (!r.ok) return setOutcome({ ok: false, text: r.message });
    const { ok, attempts, status, error } = r.data.result;
    const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
    setOutcome({ ok, text: ok ? `Delivered${status ? ` (${status})` : ''}, ${tries}` : `Failed after ${tries}${status ? ` (${status})` : ''}: ${error ?? 'no reason given'}` });
  };
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <button type="button" disabled={busy} onClick={send} aria-label={`Send test to ${id}`} className="rounded border border-border px-2 py-0.5 text-xs hover:border-accent disabled:opacity-60">
        {busy ? 'Sending…' : 'Send test'}
      </button>
      <span role="status" aria-live="polite" className={`text-xs ${outcome?.ok ? 'text-ok' : 'text-bad'}`} data-testid={`channel-test-${id}`}>
        {outcome?.text ?? ''}
      </span>
    </span>
  );
}
