import 'server-only';
import { periodic } from '../leader-job';

// The reconciler's two periodic duties (see reconciler.ts): the watch of tasks left open by a gap,
// and the sweep of old unfinished tasks.

const WATCH_MS = 5_000;
const STALE_SWEEP_MS = 30_000;
const STALE_AFTER_S = 60;

export const reconcileWatchJob = periodic('reconcile watch', () => WATCH_MS, (scope) => scope.reconciler.recheckWatched());

export const staleSweepJob = periodic(
  'stale sweep',
  (scope) => scope.options.staleSweepMs ?? STALE_SWEEP_MS,
  (scope) => scope.reconciler.sweepStale(scope.options.staleAfterS ?? STALE_AFTER_S),
);
