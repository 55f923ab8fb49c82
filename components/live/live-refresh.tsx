'use client';

import { useRouter } from 'next/navigation';
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';

// Live updates: one EventSource on /api/v1/stream for the whole app. On an update the current page's
// server data is refreshed (at most once a second); if the stream breaks, polling every 5 s takes
// over until it is back; nothing refreshes while the tab is hidden.

type Mode = 'live' | 'polling' | 'paused' | 'connecting';
const LiveContext = createContext<Mode>('connecting');

const MIN_REFRESH_MS = 1_000;
const POLL_MS = 5_000;

export function LiveProvider({ children }: { children: ReactNode }) {
  const router = useRouter();
  const [mode, setMode] = useState<Mode>('connecting');
  const last = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    let source: EventSource | null = null;
    let poll: ReturnType<typeof setInterval> | null = null;
    const refresh = () => {
      if (document.hidden) return;
      const wait = last.current + MIN_REFRESH_MS - Date.now();
      if (wait > 0) {
        pending.current ??= setTimeout(() => {
          pending.current = null;
          refresh();
        }, wait);
        return;
      }
      last.current = Date.now();
      router.refresh();
    };
    const startPolling = () => {
      setMode('polling');
      poll ??= setInterval(refresh, POLL_MS);
    };
    const connect = () => {
      source = new EventSource('/api/v1/stream');
      source.addEventListener('ready', () => {
        setMode('live');
        if (poll) clearInterval(poll);
        poll = null;
      });
      source.addEventListener('update', refresh);
      source.addEventListener('resync', refresh);
      source.onerror = () => startPolling(); // EventSource retries by itself; poll meanwhile
    };
    const onVisibility = () => {
      if (document.hidden) setMode('paused');
      else {
        setMode(source?.readyState === EventSource.OPEN ? 'live' : 'polling');
        refresh();
      }
    };
    connect();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      source?.close();
      if (poll) clearInterval(poll);
      if (pending.current) clearTimeout(pending.current);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [router]);

  return <LiveContext.Provider value={mode}>{children}</LiveContext.Provider>;
}

const LABEL: Record<Mode, string> = { live: 'Live', polling: 'Polling', paused: 'Paused', connecting: 'Connecting' };
const DOT: Record<Mode, string> = { live: 'bg-ok', polling: 'bg-warn', paused: 'bg-muted', connecting: 'bg-muted' };

export function LiveIndicator() {
  const mode = useContext(LiveContext);
  return (
    <span className="flex items-center gap-1.5 text-xs text-muted" role="status" aria-live="polite" data-live-mode={mode}>
      <span className={`inline-block h-2 w-2 rounded-full ${DOT[mode]}`} aria-hidden />
      {LABEL[mode]}
    </span>
  );
}
