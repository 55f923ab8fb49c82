// `npm run collector`: the collector as its own process. Several may run against one store;
// exactly one collects at a time (lease), another takes over within 10 s when it dies.
import { config, ConfigError } from '../lib/server/config';
import { getContext } from '../lib/server/context';
import { startProcessCollector, stopProcessCollector } from '../lib/server/collector/runtime';
import { logger } from '../lib/server/logger';
import { redactUrl } from '../lib/server/redis/url';
import '../lib/server/leader-jobs';

async function main(): Promise<void> {
  let cfg;
  try {
    cfg = config();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  logger.info({ broker: redactUrl(cfg.broker.url) }, 'standalone collector starting');
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
