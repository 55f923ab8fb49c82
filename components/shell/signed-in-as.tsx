'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { csrfHeader } from '@/lib/hooks/csrf';

// Who is signed in, and sign-out (the session ends in the store, so everywhere at once).
export function SignedInAs({ name, role }: { name: string; role: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const signOut = async () => {
    setBusy(true);
    const res = await fetch('/api/v1/auth/logout', { method: 'POST', headers: csrfHeader() }).catch(() => null);
    const body = (await res?.json().catch(() => null)) as { endSessionUrl?: string | null } | null;
    // Single sign-on: on to the provider, which ends its session too and sends the browser back to /login.
    if (body?.endSessionUrl) return window.location.assign(body.endSessionUrl);
    router.replace('/login');
    router.refresh();
  };
  return (
    <span className="flex items-center gap-2 text-xs text-muted">
      <span>
        {name} <span className="rounded border border-border px-1">{role}</span>
      </span>
      <button type="button" onClick={signOut} disabled={busy} className="rounded border border-border px-2 py-0.5 text-text hover:bg-surface-2">
        Sign out
      </button>
    </span>
  );
}
