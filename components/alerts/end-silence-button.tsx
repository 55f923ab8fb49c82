'use client';

import { ErrorText, useMutation } from './call-api';

/** Unsilence: ends the silence now (it stays listed as expired for a day). */
export function EndSilenceButton({ id }: { id: string }) {
  const { busy, error, run } = useMutation();
  return (
    <span className="inline-flex items-center gap-2">
      <button type="button" disabled={busy} onClick={() => run('DELETE', `/api/v1/alerts/silences/${encodeURIComponent(id)}`)} className="rounded border border-border px-2 py-0.5 text-xs hover:border-accent disabled:opacity-60">
        {busy ? 'Ending…' : 'End now'}
      </button>
      <ErrorText error={error} />
    </span>
  );
}
