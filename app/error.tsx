'use client';

export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  return (
    <div className="rounded-lg border border-bad/40 bg-bad/10 p-6">
      <h1 className="text-lg font-semibold">This page could not load</h1>
      <p className="mt-1 text-sm text-muted">Trellis could not read its store. Check that Redis is reachable (see /api/v1/health).</p>
      <button type="button" onClick={reset} className="mt-3 rounded border border-border bg-surface px-3 py-1 text-sm">
        Try again
      </button>
    </div>
  );
}
