// The cardinality bound of the cumulative totals. The first N distinct values of a label dimension
// are admitted and keep their own series for good; later values are folded into `other`. Admission
// is first come rather than "top N by volume" on purpose: a value that later moved in or out of a
// top N would move its past counts between series and a counter would go down (ADR 0013). The
// admitted values are stored with the totals, so the bound holds in the store across handovers.

export const OTHER = 'other';

export type LabelDimension = 'name' | 'hostname' | 'queue' | 'exception';

export type LabelLimits = Record<LabelDimension, number>;

/** Hostnames, queues and exception classes of task counters: fixed caps, generous for real clusters. */
export function labelLimits(taskNames: number): LabelLimits {
  return { name: taskNames, hostname: 1_000, queue: 1_000, exception: 50 };
}

export class LabelCap {
  private readonly admitted = new Map<LabelDimension, Set<string>>();
  private readonly fresh: Array<[LabelDimension, string]> = [];

  constructor(
    private readonly limits: LabelLimits,
    stored: Iterable<[LabelDimension, string]> = [],
  ) {
    for (const [dim, value] of stored) this.set(dim).add(value);
  }

  /** The label to count `value` under: itself if admitted (or admitted now), else `other`. */
  label(dim: LabelDimension, value: string): string {
    const set = this.set(dim);
    if (set.has(value)) return value;
    if (value === OTHER || set.size >= this.limits[dim]) return OTHER;
    set.add(value);
    this.fresh.push([dim, value]);
    return value;
  }

  /** Values admitted since the last call (to store with the flush that first counts them). */
  takeFresh(): Array<[LabelDimension, string]> {
    return this.fresh.splice(0);
  }

  private set(dim: LabelDimension): Set<string> {
    let s = this.admitted.get(dim);
    if (!s) this.admitted.set(dim, (s = new Set()));
    return s;
  }
}

export function isLabelDimension(v: string): v is LabelDimension {
  return v === 'name' || v === 'hostname' || v === 'queue' || v === 'exception';
}
