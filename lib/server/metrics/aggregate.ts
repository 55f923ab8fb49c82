import type { HistogramSeries, Labels, Sample } from './exposition';

// Sums stored values into series by label set: the totals hold the finest labels (celery-exporter's),
// a family with fewer labels (Flower's) is their sum.

// Label values joined (every series of one aggregate has the same label names, in the same order).
const keyOf = (labels: Labels): string => Object.values(labels).join('\u0000');

export class SampleSum {
  private readonly series = new Map<string, Sample>();

  add(labels: Labels, value: number): void {
    const key = keyOf(labels);
    const s = this.series.get(key);
    if (s) s.value += value;
    else this.series.set(key, { labels, value });
  }

  samples(): Sample[] {
    return [...this.series.values()];
  }
}

export class HistogramSum {
  private readonly series = new Map<string, HistogramSeries>();

  addBucket(labels: Labels, bucket: number, count: number): void {
    const s = this.get(labels);
    s.buckets.set(bucket, (s.buckets.get(bucket) ?? 0) + count);
  }

  addSum(labels: Labels, seconds: number): void {
    this.get(labels).sum += seconds;
  }

  all(): HistogramSeries[] {
    return [...this.series.values()];
  }

  private get(labels: Labels): HistogramSeries {
    const key = keyOf(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, buckets: new Map(), sum: 0 }));
    return s;
  }
}
