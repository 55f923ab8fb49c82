// In/out flow of one priority band between two samples, from list observation alone. Pure.
//
// Publishers LPUSH at the left; workers pop at the right. So the previous sample's newest message
// (LINDEX 0) is found at index k from the left exactly when k messages were pushed since, and
// out = previous depth + in − current depth. When that message is gone (everything older was
// consumed) or the band was empty, every current message is new: in ≥ current depth, and the
// counts are lower bounds (a message pushed and popped between samples is never seen). When the
// search stopped after `searched` messages without finding it, at least that many are new.

export interface BandObservation {
  depth: number;
  /** Previous newest message's position from the left; null = not found; undefined = not asked. */
  lpos: number | null | undefined;
  /** How many messages from the left the search looked at (meaningful when lpos is null). */
  searched: number;
}

export interface BandFlow {
  in: number;
  out: number;
  lowerBound: boolean;
}

export function bandFlow(prevDepth: number | null, now: BandObservation): BandFlow {
  if (prevDepth === null) return { in: 0, out: 0, lowerBound: true }; // first sample: nothing to compare
  if (typeof now.lpos === 'number') {
    const pushed = now.lpos;
    // RPUSHed restores (§4.5) can make this negative: count them as nothing taken.
    return { in: pushed, out: Math.max(0, prevDepth + pushed - now.depth), lowerBound: false };
  }
  // Not found: gone (all current messages are new) or beyond the search (at least `searched` are);
  // unknown (band was empty, or its message too large to keep): all current messages are new.
  const pushed = now.lpos === null ? Math.min(now.depth, now.searched) : now.depth;
  return { in: pushed, out: Math.max(0, prevDepth + pushed - now.depth), lowerBound: true };
}

export interface FlowSample {
  t: number;
  /** Seconds since the previous sample (the span this flow covers). */
  dt: number;
  in: number;
  out: number;
  lowerBound: boolean;
}

/** Rates over the samples within `windowSeconds` of the newest. (Runs for every queue every sample: loops, no closures.) */
export function ratesOver(samples: readonly FlowSample[], windowSeconds: number) {
  const newest = samples[samples.length - 1];
  if (!newest) return null;
  let span = 0;
  let inSum = 0;
  let outSum = 0;
  let lowerBound = false;
  for (const s of samples) {
    if (s.t <= newest.t - windowSeconds || s.dt <= 0) continue;
    span += s.dt;
    inSum += s.in;
    outSum += s.out;
    lowerBound ||= s.lowerBound;
  }
  if (span <= 0) return null;
  return { inPerSecond: inSum / span, outPerSecond: outSum / span, windowSeconds: span, lowerBound, at: newest.t };
}

/** Seconds to empty at the current net rate: 0 when empty, null when not draining. */
export function drainSeconds(depth: number, rates: { inPerSecond: number; outPerSecond: number } | null): number | null {
  if (depth === 0) return 0;
  if (!rates) return null;
  const net = rates.outPerSecond - rates.inPerSecond;
  return net > 0 ? depth / net : null;
}
