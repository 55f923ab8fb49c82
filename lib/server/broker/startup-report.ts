import 'server-only';
import type { TrellisContext } from '../context';
import { logger } from '../logger';
import { pubsubBufferLimit } from './pubsub-buffer';
import { storeSharing } from './store-sharing';

// Said once at start (web server and `npm run collector`), as /api/v1/broker says it at any time:
// the burst the broker's pub/sub output-buffer limit allows, and a store that shares an evicting Redis.

export async function logBrokerReport(ctx: TrellisContext): Promise<void> {
  try {
    const [pubsub, sharing] = await Promise.all([pubsubBufferLimit(ctx.broker), storeSharing(ctx)]);
    logger.info({ pubsubOutputBuffer: pubsub }, `broker: ${pubsub.summary}`);
    if (sharing.warning) logger.warn({ storeSharing: sharing }, sharing.warning);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'broker: could not read the output-buffer limit or the eviction policy at start');
  }
}
