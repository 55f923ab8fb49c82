import 'server-only';

// Rolling ingestion statistics of the collecting process: events/s over the last 10 s and lag
// percentiles (event sender time → stored) over the same window. Bounded memory: a fixed ring of
// per-second buckets, each with a capped lag sample.

const WINDOW_S = 10;
const LAG_SAMPLES_PER_SECOND = 200;

interface Bucket {
  second: number;
  events: number;
  lags: number[];
  seen: number;
}

export class IngestStats {
  eventsTotal = 0;
  malformedTotal = 0;
  ignoredTotal = 0;
  lastEventAt: number | null = null;
  lastFlushAt: number | null = null;
  private readonly buckets: Bucket[] = Array.from({ length: WINDOW_S }, () => ({ second: -1, events: 0, lags: [], seen: 0 }));

  private bucket(nowS: number): Bucket {
    const second = Math.floor(nowS);
    const b = this.buckets[second % WINDOW_S] as Bucket;
    if (b.second !== second) Object.assign(b, { second, events: 0, lags: [], seen: 0 });
    return b;
  }

  /** Records events that were just stored, with their sender timestamps. */
  stored(timestamps: readonly number[], nowS: number): void {
    const b = this.bucket(nowS);
    b.events += timestamps.length;
    this.eventsTotal += timestamps.length;
    this.lastFlushAt = nowS;
    for (const ts of timestamps) {
      // Reservoir sampling keeps the per-second sample unbiased and bounded.
      b.seen++;
      const lag = Math.max(0, nowS - ts);
      if (b.lags.length < LAG_SAMPLES_PER_SECOND) b.lags.push(lag);
      else {
        const j = Math.floor(Math.random() * b.seen);
        if (j < LAG_SAMPLES_PER_SECOND) b.lags[j] = lag;
      }
    }
  }

  eventsPerSecond(nowS: number): number {
    const current = Math.floor(nowS);
    let n = 0;
    for (const b of this.buckets) if (b.second > current - WINDOW_S && b.second < current) n += b.events;
    return n / (WINDOW_S - 1);
  }

  lag(nowS: number): { p50: number | null; p99: number | null } {
    const current = Math.floor(nowS);
    const all = this.buckets.filter((b) => b.second > current - WINDOW_S).flatMap((b) => b.lags);
    if (all.length === 0) return { p50: null, p99: null };
    all.sort((a, b) => a - b);
    const at = (q: number) => all[Math.min(all.length - 1, Math.floor(q * all.length))] ?? null;
    return { p50: at(0.5), p99: at(0.99) };
  }
}
