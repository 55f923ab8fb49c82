import 'server-only';
import type Redis from 'ioredis';
import type { Gap, HealthView } from '@/lib/schemas/api';
import type { TrellisContext } from '../context';
import { decodeCollectorStats } from '../collector/collector-stats';
import { listGaps } from '../collector/gaps';
import { processCollector } from '../collector/runtime';

// Health as any process sees it: Redis reachability, and the collector's state as the collecting
// process (maybe another one) publishes it in the store.

const ALIVE_WITHIN_S = 5;

async function reachable(redis: Redis): Promise<boolean> {
  try {
    await Promise.race([redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1_000))]);
    return true;
  } catch {
    return false;
  }
}

export async function getHealth(ctx: TrellisContext): Promise<HealthView> {
  const [store, broker, backend] = await Promise.all([reachable(ctx.store), reachable(ctx.broker), reachable(ctx.backend)]);
  const now = Date.now() / 1000;
  let hash: Record<string, string> = {};
  let holder: string | null = null;
  let gaps: Gap[] = [];
  if (store) {
    [hash, holder, gaps] = await Promise.all([ctx.store.hgetall(ctx.keys.collectorStats), ctx.store.get(ctx.keys.lease), listGaps(ctx)]);
  }
  const stats = decodeCollectorStats(hash);
  const openGap = stats.openGap;
  const aliveAt = stats.aliveAt;
  const running = holder !== null && aliveAt !== null && now - aliveAt < ALIVE_WITHIN_S;
  const local = processCollector();
  const status: HealthView['status'] = !store ? 'down' : !running || !broker || !backend || openGap ? 'degraded' : 'ok';
  return {
    status,
    redis: { store, broker, backend },
    collector: {
      thisProcess: local?.isLeader ?? false,
      holder,
      running,
      eventsPerSecond: stats.eventsPerSecond ?? 0,
      lagSeconds: { p50: stats.lagP50, p99: stats.lagP99 },
      eventsTotal: stats.eventsTotal ?? 0,
      malformedTotal: stats.malformedTotal ?? 0,
      ignoredTotal: stats.ignoredTotal ?? 0,
      lastEventAt: stats.lastEventAt,
      lastFlushAt: stats.lastFlushAt,
      backlog: {
        bytes: stats.backlogBytes ?? 0,
        messages: stats.backlogMessages ?? 0,
        ageSeconds: stats.backlogOldestAt !== null ? Math.max(0, now - stats.backlogOldestAt) : null,
        peakBytes: stats.backlogPeakBytes ?? 0,
        limitBytes: stats.backlogLimitBytes,
        droppedMessages: stats.droppedMessages ?? 0,
      },
    },
    gaps: openGap ? [openGap, ...gaps] : gaps,
  };
}
