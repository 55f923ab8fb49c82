import 'server-only';
import { prometheusContentType, validateMetricName } from 'prom-client';

// The Prometheus text exposition of series read from the store. prom-client gives the content type
// and checks the family names; the lines are written here because prom-client formats every sample
// through generic label objects (~5 µs each: 250 ms for the 40,000 samples of 500 task names, 200
// workers and 1,000 queues), where a series' label text is built once and reused for its buckets
// (ADR 0013). promtool checks the output in tests/integration/metrics-prometheus.test.ts.

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
export interface Family {
  name: string;
  help: string;
  labelNames: readonly string[];
}

const escapeLabel = (v: string): string => (/[\\\n"]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v);
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const num = (v: number): string => (Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf');

/** `a="x",b="y"` in the family's label order (the label values of one series, written once). */
function labelText(names: readonly string[], labels: Labels): string {
  let out = '';
  for (const n of names) out += `${out ? ',' : ''}${n}="${escapeLabel(labels[n] ?? '')}"`;
  return out;
}

export class Exposition {
  readonly contentType = prometheusContentType;
  private out = '';

  counter(f: Family, samples: readonly Sample[]): void {
    this.simple(f, 'counter', samples);
  }

  gauge(f: Family, samples: readonly Sample[]): void {
    this.simple(f, 'gauge', samples);
  }

  histogram(f: Family, bounds: readonly number[], series: readonly HistogramSeries[]): void {
    this.header(f, 'histogram');
    const les = [...bounds.map(num), '+Inf'];
    for (const s of series) {
      const base = labelText(f.labelNames, s.labels);
      const sep = base ? ',' : '';
      let seen = 0;
      const prefix = `${f.name}_bucket{${base}${sep}le="`;
      for (let i = 0; i < les.length; i++) {
        seen += s.buckets.get(i) ?? 0;
        this.out += `${prefix}${les[i]}"} ${seen}\n`;
      }
      const braces = base ? `{${base}}` : '';
      this.out += `${f.name}_sum${braces} ${num(s.sum)}\n${f.name}_count${braces} ${seen}\n`;
    }
  }

  text(): string {
    return this.out;
  }

  private simple(f: Family, type: 'counter' | 'gauge', samples: readonly Sample[]): void {
    this.header(f, type);
    for (const s of samples) {
      const labels = labelText(f.labelNames, s.labels);
      this.out += `${f.name}${labels ? `{${labels}}` : ''} ${num(s.value)}\n`;
    }
  }

  private header(f: Family, type: string): void {
    if (!validateMetricName(f.name)) throw new Error(`invalid metric name ${f.name}`);
    this.out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${type}\n`;
  }
}
