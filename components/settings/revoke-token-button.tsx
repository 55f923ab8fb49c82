'use client';

import { ErrorText, useMutation } from '@/components/alerts/call-api';

/** Revokes a token at once (it stays listed, marked revoked). */
export function RevokeTokenButton({ id, name }: { id: string; name: string }) {
  const { busy, error, run } = useMutation();
  return (
    <span className="inline-flex items-center gap-2">
      <button type="button" disabled={busy} onClick={() => run('DELETE', `/api/v1/tokens/${id}`)} aria-label={`Revoke ${name}`} className="rounded border border-border px-2 py-0.5 text-xs hover:border-bad disabled:opacity-60">
        Revoke
      </button>
      <ErrorText error={error} />
    </span>
  );
}
