'use client';

import { useNow, useStored, writeStored } from '@/lib/hooks/use-browser-state';
import { formatExact, formatRelative } from '@/lib/format';

// Times show in the browser's local zone, or in UTC when the user toggles it (remembered).

const KEY = 'trellis-utc';

export function TimeModeToggle() {
  const utc = useStored(KEY) === '1';
  return (
    <button type="button" onClick={() => writeStored(KEY, utc ? '0' : '1')} aria-pressed={utc} className="rounded border border-border px-2 py-1 text-xs text-muted hover:text-text" title="Show times in UTC or in local time">
      {utc ? 'UTC' : 'Local'}
    </button>
  );
}

/** An epoch-seconds time as "3 min ago", with the exact time (local or UTC) on hover. */
export function TimeAgo({ ts, exact = false }: { ts: number | null | undefined; exact?: boolean }) {
  const utc = useStored(KEY) === '1';
  const now = useNow();
  if (ts === null || ts === undefined) return <span className="text-muted">—</span>;
  const full = formatExact(ts, utc);
  return (
    <time dateTime={new Date(ts * 1000).toISOString()} title={full} suppressHydrationWarning>
      {exact || now === null ? full : formatRelative(ts, now)}
    </time>
  );
}
