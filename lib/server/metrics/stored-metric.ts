import 'server-only';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

// prom-client metrics whose values come from the store, not from observations in this process:
// prom-client still names, validates and formats them (and gives the content type), but get()
// returns what the store holds, so every replica serves the same monotonic series.

export type Labels = Record<string, string>;
export interface Sample {
  labels: Labels;
  value: number;
}
export interface HistogramSeries {
  labels: Labels;
  /** Non-cumulative counts per bound index (bounds.length = +Inf). */
  buckets: Map<number, number>;
  sum: number;
}

interface Family {
  name: string;
  help: string;
  labelNames: readonly string[];
}

export function storedCounter(registry: Registry, f: Family, samples: readonly Sample[]): void {
  const metric = new Counter({ ...f, registers: [registry] });
  const empty = metric.get.bind(metric);
  metric.get = async () => ({ ...(await empty()), values: [...samples] });
}

export function storedGauge(registry: Registry, f: Family, samples: readonly Sample[]): void {
  const metric = new Gauge({ ...f, registers: [registry] });
  const empty = metric.get.bind(metric);
  metric.get = async () => ({ ...(await empty()), values: [...samples] });
}

export function storedHistogram(registry: Registry, f: Family, bounds: readonly number[], series: readonly HistogramSeries[]): void {
  const metric = new Histogram({ ...f, buckets: [...bounds], registers: [registry] });
  const values = series.flatMap((s) => {
    let seen = 0;
    const buckets = [...bounds, Infinity].map((le, i) => {
      seen += s.buckets.get(i) ?? 0;
      return { metricName: `${f.name}_bucket`, labels: { ...s.labels, le: le === Infinity ? '+Inf' : le }, value: seen };
    });
    return [
      ...buckets,
      { metricName: `${f.name}_sum`, labels: s.labels, value: s.sum },
      { metricName: `${f.name}_count`, labels: s.labels, value: seen },
    ];
  });
  const envelope = metric.get(); // name, help, type, aggregator (no observations: empty), taken before the override
  const get = async () => ({ ...(await envelope), values });
  metric.get = get;
  // The registry formats a histogram from getForPromString when it has one.
  Object.assign(metric, { getForPromString: get });
}
