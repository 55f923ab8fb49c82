// Shapes per-minute points into chart rows and overview numbers (pure, unit-tested).

export interface PointLike {
  minute: number;
  counts: { succeeded: number; failed: number; retried: number };
  runtimeP50: number | null;
  runtimeP95: number | null;
}

export interface ThroughputRow {
  t: number;
  succeeded: number;
  failed: number;
  retried: number;
}

/** Rows for the chart; 24 h of minutes are summed into 10-minute rows to stay readable. */
export function throughputRows(points: readonly PointLike[], bucketMinutes = points.length > 120 ? 10 : 1): ThroughputRow[] {
  const rows: ThroughputRow[] = [];
  for (let i = 0; i < points.length; i += bucketMinutes) {
    const chunk = points.slice(i, i + bucketMinutes);
    const first = chunk[0];
    if (!first) continue;
    rows.push({
      t: first.minute,
      succeeded: chunk.reduce((s, p) => s + p.counts.succeeded, 0),
      failed: chunk.reduce((s, p) => s + p.counts.failed, 0),
      retried: chunk.reduce((s, p) => s + p.counts.retried, 0),
    });
  }
  return rows;
}

export function runtimeRows(points: readonly PointLike[]): Array<{ t: number; p50: number | null; p95: number | null }> {
  return points.map((p) => ({ t: p.minute, p50: p.runtimeP50, p95: p.runtimeP95 }));
}

/** Headline rates over the last `minutes` complete minutes (the current minute is still filling). */
export function recentRates(points: readonly PointLike[], minutes = 5) {
  const recent = points.slice(-(minutes + 1), -1);
  const n = Math.max(1, recent.length);
  const succeeded = recent.reduce((s, p) => s + p.counts.succeeded, 0);
  const failed = recent.reduce((s, p) => s + p.counts.failed, 0);
  const retried = recent.reduce((s, p) => s + p.counts.retried, 0);
  const finished = succeeded + failed;
  return { tasksPerMinute: finished / n, retriesPerMinute: retried / n, failureRate: finished ? failed / finished : null };
}
