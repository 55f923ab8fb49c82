// When Trellis first saw the messages waiting in one priority band, as cohorts: runs of messages
// first seen at the same sample, oldest (next to run, the right end) first. Each sample takes the
// messages that left off the oldest end and adds the ones that arrived at the newest end, so the
// next message's cohort says since when it has been waiting — without task-sent events. Pure.
//
// Every time is when Trellis *first saw* the messages, so an age computed from it is a lower
// bound: messages already waiting when Trellis started count from then. Cohorts are bounded; when
// there are too many, the two closest in time are merged into the newer time (ages stay lower bounds).

export interface Cohort {
  /** Messages in the run. */
  n: number;
  /** When Trellis first saw them (seconds). */
  t: number;
}

export const MAX_COHORTS = 64;

export function advanceArrivals(
  prev: Cohort[] | null,
  flow: { in: number; out: number },
  depth: number,
  t: number,
  maxCohorts = MAX_COHORTS,
): Cohort[] {
  if (depth <= 0) return [];
  if (prev === null) return [{ n: depth, t }];
  // The sampler owns its cohorts: they are updated in place (no copy per band per sample).
  const next = prev;
  takeOldest(next, flow.out);
  addNewest(next, flow.in, t);
  // The counts can disagree with the depth (lower-bound flows, restores): the depth is the truth.
  let held = 0;
  for (const c of next) held += c.n;
  if (held > depth) takeOldest(next, held - depth);
  else if (held < depth) addNewest(next, depth - held, t);
  while (next.length > maxCohorts) mergeClosest(next);
  return next;
}

/** Since when the next message to run has waited (first seen), null when the band is empty. */
export const oldestArrival = (cohorts: readonly Cohort[]): number | null => cohorts[0]?.t ?? null;

function addNewest(cohorts: Cohort[], n: number, t: number): void {
  if (n <= 0) return;
  const last = cohorts[cohorts.length - 1];
  if (last && last.t === t) last.n += n;
  else cohorts.push({ n, t });
}

function takeOldest(cohorts: Cohort[], count: number): void {
  let left = count;
  while (left > 0 && cohorts.length > 0) {
    const c = cohorts[0];
    if (!c) break;
    if (c.n > left) {
      c.n -= left;
      return;
    }
    left -= c.n;
    cohorts.shift();
  }
}

function mergeClosest(cohorts: Cohort[]): void {
  let at = 0;
  let gap = Infinity;
  for (let i = 0; i + 1 < cohorts.length; i++) {
    const a = cohorts[i];
    const b = cohorts[i + 1];
    if (a && b && b.t - a.t < gap) {
      gap = b.t - a.t;
      at = i;
    }
  }
  const [a, b] = [cohorts[at], cohorts[at + 1]];
  if (a && b) cohorts.splice(at, 2, { n: a.n + b.n, t: b.t });
}
