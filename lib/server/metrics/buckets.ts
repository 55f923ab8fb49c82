// Histogram bounds (seconds) of the families Trellis serves. Dashboards and alerts built for
// celery-exporter and Flower compute quantiles from these `le` labels, so they are theirs:
// runtime = prometheus_client's default buckets (both tools' default); queue wait = celery-exporter's
// queue-wait default (no sub-50 ms resolution, spent on the 10 s – 30 min range instead).

export const RUNTIME_BOUNDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export const QUEUE_WAIT_BOUNDS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/** Index of the first bound ≥ value; bounds.length for +Inf. */
export function bucketIndex(bounds: readonly number[], value: number): number {
  for (let i = 0; i < bounds.length; i++) if (value <= (bounds[i] ?? Infinity)) return i;
  return bounds.length;
}
