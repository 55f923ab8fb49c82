import 'server-only';
import { reconcileWatchJob, staleSweepJob } from './collector/jobs/reconcile-jobs';
import { pruneJob, retentionJob } from './collector/jobs/retention-job';
import type { LeaderJobDefinition } from './collector/leader-job';
import { startQueueDiscovery } from './queues/discovery-scan';
import { startQueueSampler } from './queues/sampler';
import { alertJob } from './alerts/alert-job';
import { durableRevokeJob } from './actions/revoke-job';
import { resourceSamplerJob } from './workers/resource-sampler';

// Every job that runs only in the process holding the collector lease, in one place. Each starts when
// a term begins and stops when it ends; each writes through the term's fence.

export const LEADER_JOBS: readonly LeaderJobDefinition[] = [
  retentionJob,
  pruneJob,
  reconcileWatchJob,
  staleSweepJob,
  { name: 'queue sampler', start: (scope) => startQueueSampler(scope.ctx, { batch: () => scope.fence.batch() }) },
  { name: 'queue discovery', start: (scope) => startQueueDiscovery(scope.ctx, { batch: () => scope.fence.batch() }) },
  resourceSamplerJob,
  alertJob,
  durableRevokeJob,
];
