// Runtime histogram buckets shared by the collector (which counts into them per minute, as hash
// fields `rt:<index>`) and the charts (which estimate p50/p95 from them). Upper bounds in seconds,
// roughly ×1.5 apart from 1 ms to ~1 h; the last bucket is open-ended.

export const RUNTIME_BUCKET_BOUNDS: readonly number[] = Array.from({ length: 38 }, (_, i) => 0.001 * 1.5 ** i);

export function runtimeBucket(seconds: number): number {
  for (let i = 0; i < RUNTIME_BUCKET_BOUNDS.length; i++) if (seconds <= (RUNTIME_BUCKET_BOUNDS[i] ?? Infinity)) return i;
  return RUNTIME_BUCKET_BOUNDS.length;
}

/** Quantile estimate (upper bound of the bucket holding the q-th observation). */
export function runtimeQuantile(counts: ReadonlyMap<number, number>, q: number): number | null {
  let total = 0;
  for (const c of counts.values()) total += c;
  if (total === 0) return null;
  const target = q * total;
  let seen = 0;
  for (const i of [...counts.keys()].sort((a, b) => a - b)) {
    seen += counts.get(i) ?? 0;
    if (seen >= target) return RUNTIME_BUCKET_BOUNDS[i] ?? RUNTIME_BUCKET_BOUNDS[RUNTIME_BUCKET_BOUNDS.length - 1] ?? null;
  }
  return null;
}
