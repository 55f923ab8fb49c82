'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';

// Name and password, posted to /api/v1/auth/login (which sets the session cookies); the error
// contract's message shown on failure.
export function SignInForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // onSubmit rather than a form action: an action resets the form, and a mistyped password should
  // not cost the name too.
  const submit = async (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    const res = await fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: form.get('name'), password: form.get('password') }),
    }).catch(() => null);
    if (res?.ok) {
      router.replace('/');
      router.refresh();
      return;
    }
    const body = (await res?.json().catch(() => null)) as { error?: { message?: string } } | null;
    setError(body?.error?.message ?? 'sign-in failed');
    setBusy(false);
  };
  return (
    <form onSubmit={submit} className="space-y-3">
      <label className="block text-sm">
        Name
        <input name="name" autoComplete="username" required className="mt-1 block w-full rounded border border-border bg-surface px-2 py-1" />
      </label>
      <label className="block text-sm">
        Password
        <input name="password" type="password" autoComplete="current-password" required className="mt-1 block w-full rounded border border-border bg-surface px-2 py-1" />
      </label>
      {error && (
        <p role="alert" className="text-sm text-bad">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy} className="w-full rounded bg-accent px-3 py-2 font-medium text-bg disabled:opacity-60">
        Sign in
      </button>
    </form>
  );
}
