// The cardinality bound of the cumulative totals. The first N distinct values of a label dimension
// are admitted and keep their own series for good; later values are folded into `other`. Admission
// is first come rather than "top N by volume" on purpose: a value that later moved in or out of a
// top N would move its past counts between series and a counter would go down (ADR 0013). The
// admitted values are stored with the totals, so the bound holds in the store across handovers.

export const OTHER = 'other';

/** `series`: a (task name, hostname, queue) combination, the label set of the per-task families. */
export type LabelDimension = 'name' | 'hostname' | 'queue' | 'exception' | 'series';

export type LabelLimits = Record<LabelDimension, number>;

/** Series per task name on average before new (name, hostname, queue) combinations lose their hostname. */
export const SERIES_PER_NAME = 10;

/** Task names as configured; hostnames, queues and exception classes generous for real clusters; and
 *  a budget of (name, hostname, queue) series: each costs ~40 samples in the celery_* families. */
export function labelLimits(taskNames: number): LabelLimits {
  return { name: taskNames, hostname: 1_000, queue: 1_000, exception: 50, series: SERIES_PER_NAME * taskNames };
}

export interface TaskLabels {
  name: string;
  hostname: string;
  queue: string;
}

const MEMO_MAX = 50_000;

/** The labels of a task event after the caps: a folded name takes `other` hostname and queue too (one
 *  series set for the whole long tail); past the series budget a new combination loses its hostname. */
export function taskLabels(cap: LabelCap, name: string, hostname: string, queue: string): TaskLabels {
  const key = `${name}\u0000${hostname}\u0000${queue}`;
  let labels = cap.memo.get(key);
  if (!labels) {
    if (cap.memo.size >= MEMO_MAX) cap.memo.clear();
    cap.memo.set(key, (labels = capTaskLabels(cap, name, hostname, queue)));
  }
  return labels;
}

function capTaskLabels(cap: LabelCap, name: string, hostname: string, queue: string): TaskLabels {
  const n = cap.label('name', name);
  if (n === OTHER) return { name: OTHER, hostname: OTHER, queue: OTHER };
  const q = cap.label('queue', queue);
  const h = cap.label('hostname', hostname);
  if (h === OTHER) return { name: n, hostname: OTHER, queue: q };
  return { name: n, hostname: cap.label('series', JSON.stringify([n, h, q])) === OTHER ? OTHER : h, queue: q };
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
    return this.fresh.length === 0 ? [] : this.fresh.splice(0);
  }

  /** taskLabels() of a raw (name, hostname, queue), remembered: the answer never changes once given
   *  (admissions only grow, a full dimension stays full). Bounded: forgotten wholesale when large. */
  readonly memo = new Map<string, TaskLabels>();

  private set(dim: LabelDimension): Set<string> {
    let s = this.admitted.get(dim);
    if (!s) this.admitted.set(dim, (s = new Set()));
    return s;
  }
}

export function isLabelDimension(v: string): v is LabelDimension {
  return v === 'name' || v === 'hostname' || v === 'queue' || v === 'exception' || v === 'series';
}
