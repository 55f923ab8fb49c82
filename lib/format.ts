// Display formatting shared by pages (pure; no server imports).

export function formatRelative(ts: number, now: number): string {
  const d = Math.round(now - ts);
  // Another host's clock may run a little ahead of this browser's.
  if (d > -5 && d < 5) return 'just now';
  const abs = Math.abs(d);
  const unit = abs < 60 ? [abs, 's'] : abs < 3600 ? [Math.round(abs / 60), 'min'] : abs < 86400 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86400), 'd'];
  return d >= 0 ? `${unit[0]} ${unit[1]} ago` : `in ${unit[0]} ${unit[1]}`;
}

export function formatExact(ts: number, utc: boolean): string {
  const date = new Date(ts * 1000);
  if (utc) return `${date.toISOString().replace('T', ' ').replace('Z', '')} UTC`;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 1 : 0)} ms`;
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat('en-US').format(n);
}

/** How long a queue's next message has waited: "≥" when Trellis only knows when it first saw it. */
export function formatWaited(q: { depth: number; oldestAgeSeconds: number | null; oldestAgeSource: 'sent' | 'first-seen' | 'unknown' | null }): string {
  if (q.oldestAgeSeconds === null) return q.depth > 0 ? 'unknown' : '—';
  return `${q.oldestAgeSource === 'first-seen' ? '≥ ' : ''}${formatDuration(q.oldestAgeSeconds)}`;
}

export const WAITED_SOURCE: Record<'sent' | 'first-seen' | 'unknown', string> = {
  sent: 'since the task was sent (task-sent event)',
  'first-seen': 'at least: since Trellis first saw it in the queue (no task-sent event)',
  unknown: 'not known: no task-sent event and not seen arriving',
};

/** A queue's estimated drain time: "empty", "not draining" when it is not shrinking, else the time. */
export function formatDrain(q: { depth: number; drainSeconds: number | null }): string {
  if (q.depth === 0) return 'empty';
  return q.drainSeconds === null ? 'not draining' : formatDuration(q.drainSeconds);
}
