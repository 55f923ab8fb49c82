'use client';

import { useEffect } from 'react';
import { useStored, writeStored } from '@/lib/hooks/use-browser-state';

// Load average history kept in the browser (sessionStorage, last 30 readings per worker), drawn as
// a tiny inline SVG: a heartbeat carries only the current value.

const KEEP = 30;

export function Sparkline({ hostname, value }: { hostname: string; value: number | null }) {
  const key = `trellis-load:${hostname}`;
  const stored = useStored(key, 'session');
  useEffect(() => {
    if (value === null) return;
    const prev = JSON.parse(sessionStorage.getItem(key) ?? '[]') as number[];
    writeStored(key, JSON.stringify([...prev, value].slice(-KEEP)), 'session');
  }, [key, value]);
  if (value === null) return <span className="text-muted">—</span>;
  const history = JSON.parse(stored ?? '[]') as number[];
  const max = Math.max(1, ...history);
  const points = history.map((v, i) => `${(i / (KEEP - 1)) * 60},${16 - (v / max) * 14}`).join(' ');
  return (
    <span className="inline-flex items-center gap-2">
      <svg width="60" height="16" aria-hidden className="overflow-visible">
        <polyline points={points} fill="none" stroke="var(--accent)" strokeWidth="1.5" />
      </svg>
      <span className="font-mono text-xs tabular-nums">{value.toFixed(2)}</span>
    </span>
  );
}
