'use client';

import { usePathname } from 'next/navigation';
import { useEffect, useState } from 'react';

// The number of firing incidents (unacknowledged, unsilenced) next to "Alerts" in the header: polled
// from /api/v1/alerts/summary every 15 s and on every navigation (an acknowledgement shows at once);
// red when any of them is critical. Nothing is polled while the tab is hidden.

const POLL_MS = 15_000;

interface Summary {
  firing: number;
  critical: number;
}

export function AlertsBadge() {
  const pathname = usePathname();
  const [summary, setSummary] = useState<Summary | null>(null);

  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      if (document.hidden) return;
      try {
        const res = await fetch('/api/v1/alerts/summary', { cache: 'no-store' });
        if (res.ok && !cancelled) setSummary((await res.json()) as Summary);
      } catch {
        // the next poll tries again; a stale badge beats a flickering one
      }
    };
    void load();
    const timer = setInterval(load, POLL_MS);
    document.addEventListener('visibilitychange', load);
    return () => {
      cancelled = true;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', load);
    };
  }, [pathname]);

  if (!summary || summary.firing === 0) return null;
  const tone = summary.critical > 0 ? 'bg-bad text-bg' : 'bg-warn text-bg';
  return (
    <span className={`ml-1.5 inline-block min-w-5 rounded-full px-1.5 text-center text-xs font-semibold tabular-nums ${tone}`} data-testid="alerts-badge" data-critical={summary.critical > 0}>
      {summary.firing}
      <span className="sr-only"> firing{summary.critical > 0 ? `, ${summary.critical} critical` : ''}</span>
    </span>
  );
}
