// `npm run collector`: the collector as its own process. Several may run against one store;
// exactly one collects at a time (lease), another takes over within 10 s when it dies.
import { bootConfig } from '../lib/server/boot';
import { logBrokerReport } from '../lib/server/broker/startup-report';
import { getContext } from '../lib/server/context';
import { startProcessCollector, stopProcessCollector } from '../lib/server/collector/runtime';
import { logger } from '../lib/server/logger';

async function main(): Promise<void> {
  bootConfig('collector');
  void logBrokerReport(getContext());
  await startProcessCollector(getContext());
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'collector stopping');
    await stopProcessCollector();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
