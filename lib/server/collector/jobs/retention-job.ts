import 'server-only';
import { periodic } from '../leader-job';
import { pruneRegistries, pruneWorkers } from '../prune';
import { enforceRetention } from '../retention';

// Retention (max tasks, max age) every 5 s in bounded rounds; worker and registry pruning every minute.

const RETENTION_MS = 5_000;
const ROUNDS_PER_STEP = 10;
const PRUNE_MS = 60_000;

export const retentionJob = periodic(
  'retention',
  () => RETENTION_MS,
  async (scope) => {
    for (let round = 0; round < ROUNDS_PER_STEP; round++) {
      const r = await enforceRetention(scope.ctx, scope.fence, Date.now() / 1000);
      scope.forgetTasks(r.removed);
      if (!r.more) break;
    }
  },
);

export const pruneJob = periodic(
  'prune workers and registries',
  () => PRUNE_MS,
  async (scope) => {
    scope.forgetWorkers(await pruneWorkers(scope.ctx, scope.fence, Date.now() / 1000));
    await pruneRegistries(scope.ctx, scope.fence);
    // A value pruned just as a flush registered it again is registered by the next flush that uses it.
    scope.forgetTasks([]);
  },
);
