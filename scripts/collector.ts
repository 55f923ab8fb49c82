// `npm run collector`: the collector as its own process. Several may run against one store;
// exactly one collects at a time (lease); on SIGTERM/SIGINT it releases the lease and another takes
// over within a second; when it dies, within the lease's expiry.
import { bootConfig } from '../lib/server/boot';
import { logBrokerReport } from '../lib/server/broker/startup-report';
import { getContext } from '../lib/server/context';
import { startProcessCollector, stopCollectorOnSignals } from '../lib/server/collector/runtime';

async function main(): Promise<void> {
  bootConfig('collector');
  void logBrokerReport(getContext());
  stopCollectorOnSignals();
  await startProcessCollector(getContext());
}

void main();
