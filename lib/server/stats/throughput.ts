import 'server-only';
import { COUNTER_METRICS, type CounterMetric } from '@/lib/schemas/api';
import { runtimeQuantile } from '@/lib/runtime-buckets';
import type { TrellisContext } from '../context';

// Per-minute series for the overview charts, from the collector's minute counters: one pipelined
// HGETALL per minute in the range, one round trip.

export interface MinutePoint {
  minute: number;
  counts: Record<CounterMetric, number>;
  runtimeP50: number | null;
  runtimeP95: number | null;
}

export interface Throughput {
  points: MinutePoint[];
  /** Failures by task name over the range, most first. */
  topFailing: Array<{ name: string; failed: number }>;
}

export const RANGES = { '1h': 60, '24h': 1440 } as const;
export type Range = keyof typeof RANGES;

export async function getThroughput(ctx: TrellisContext, range: Range, nowS = Date.now() / 1000): Promise<Throughput> {
  const minutes = RANGES[range];
  const last = Math.floor(nowS / 60);
  const pipe = ctx.store.pipeline();
  for (let m = last - minutes + 1; m <= last; m++) pipe.hgetall(ctx.keys.minute(m));
  const res = (await pipe.exec()) ?? [];
  const failing = new Map<string, number>();
  const points = res.map(([, raw], i): MinutePoint => {
    const fields = (raw ?? {}) as Record<string, string>;
    const counts = Object.fromEntries(COUNTER_METRICS.map((k) => [k, Number(fields[k] ?? 0)])) as Record<CounterMetric, number>;
    const buckets = new Map<number, number>();
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith('rt:') && !field.includes('|')) buckets.set(Number(field.slice(3)), Number(value));
      else if (field.startsWith('failed|')) failing.set(field.slice(7), (failing.get(field.slice(7)) ?? 0) + Number(value));
    }
    return { minute: (last - minutes + 1 + i) * 60, counts, runtimeP50: runtimeQuantile(buckets, 0.5), runtimeP95: runtimeQuantile(buckets, 0.95) };
  });
  const topFailing = [...failing].map(([name, failed]) => ({ name, failed })).sort((a, b) => b.failed - a.failed).slice(0, 10);
  return { points, topFailing };
}
