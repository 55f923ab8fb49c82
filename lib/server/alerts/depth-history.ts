import type { StoredSnapshot } from '../queues/snapshot-store';
import type { DepthSample } from './inputs';

// The queue-growing rule's memory: each new queue snapshot's depth and consume rate per queue, kept
// for the longest window a rule asks for. In memory of the collecting process (bounded by queues ×
// samples in the window); a new term starts with an empty window.

const MAX_QUEUES = 5_000;

export class DepthHistory {
  private readonly series = new Map<string, DepthSample[]>();
  private lastSampledAt = -Infinity;

  add(snapshot: StoredSnapshot | null, keepSeconds: number): void {
    if (!snapshot || snapshot.sampledAt <= this.lastSampledAt) return;
    this.lastSampledAt = snapshot.sampledAt;
    const t = snapshot.sampledAt;
    const present = new Set<string>();
    for (const q of snapshot.views) {
      if (q.stale) continue;
      present.add(q.name);
      let s = this.series.get(q.name);
      if (!s) {
        if (this.series.size >= MAX_QUEUES) continue;
        this.series.set(q.name, (s = []));
      }
      s.push({ t, depth: q.depth, out: q.rates?.outPerSecond ?? 0 });
      while (s.length > 0 && (s[0]?.t ?? t) < t - keepSeconds) s.shift();
    }
    for (const name of this.series.keys()) if (!present.has(name)) this.series.delete(name);
  }

  get all(): Map<string, DepthSample[]> {
    return this.series;
  }
}
