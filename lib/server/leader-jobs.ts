import 'server-only';
import { registerLeaderJob } from './collector/runtime';
import { startQueueDiscovery } from './queues/discovery-scan';
import { startQueueSampler } from './queues/sampler';

// Background jobs that run only in the process holding the collector lease, registered here
// (imported for its side effect by every entry point that may collect).

registerLeaderJob((ctx) => startQueueSampler(ctx));
registerLeaderJob((ctx) => startQueueDiscovery(ctx));
