import 'server-only';
import { config, ConfigError } from './config';
import { getContext } from './context';
import { startProcessCollector } from './collector/runtime';
import { logger } from './logger';
import { redactUrl } from './redis/url';
import './leader-jobs';

// Start-up inside the Next.js server process (see instrumentation.ts).

export async function startInServer(): Promise<void> {
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
  logger.info({ broker: redactUrl(cfg.broker.url), collector: cfg.collector }, 'trellis starting');
  if (cfg.collector === 'auto') await startProcessCollector(getContext());
}
