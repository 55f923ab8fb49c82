'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { csrfHeader } from '@/lib/hooks/csrf';

// The Alerts page's mutations: one fetch to the REST API, the error contract's message on failure,
// and the page's server data refreshed on success (router.refresh keeps scroll and client state).

export type ApiResult<T> = { ok: true; data: T } | { ok: false; message: string };

export async function callApi<T>(method: 'POST' | 'DELETE', url: string, body?: unknown): Promise<ApiResult<T>> {
  try {
    const res = await fetch(url, {
      method,
      headers: { ...csrfHeader(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: unknown = await res.json().catch(() => null);
    if (res.ok) return { ok: true, data: json as T };
    const message = (json as { error?: { message?: unknown } } | null)?.error?.message;
    return { ok: false, message: typeof message === 'string' ? message : `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : 'request failed' };
  }
}

const AGAIN_MS = 3_000;

/** A mutation's state: `run` calls the API, then refreshes the page's data unless it failed. */
export function useMutation<T>() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (method: 'POST' | 'DELETE', url: string, body?: unknown): Promise<ApiResult<T>> => {
    setBusy(true);
    setError(null);
    const result = await callApi<T>(method, url, body);
    setBusy(false);
    if (result.ok) {
      router.refresh();
      // The evaluator applies acknowledgements and silences at its next cycle: look again then.
      setTimeout(() => router.refresh(), AGAIN_MS);
    } else setError(result.message);
    return result;
  };
  return { busy, error, run };
}

export function ErrorText({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="text-xs text-bad">
      {error}
    </p>
  );
}
