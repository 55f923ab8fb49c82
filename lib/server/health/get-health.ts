import 'server-only';
import type Redis from 'ioredis';
import type { Gap, HealthView } from '@/lib/schemas/api';
import type { TrellisContext } from '../context';
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

const numOrNull = (v: string | undefined): number | null => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));

export async function getHealth(ctx: TrellisContext): Promise<HealthView> {
  const [store, broker, backend] = await Promise.all([reachable(ctx.store), reachable(ctx.broker), reachable(ctx.backend)]);
  const now = Date.now() / 1000;
  let stats: Record<string, string> = {};
  let holder: string | null = null;
  let gaps: Gap[] = [];
  if (store) {
    [stats, holder, gaps] = await Promise.all([ctx.store.hgetall(ctx.keys.collectorStats), ctx.store.get(ctx.keys.lease), listGaps(ctx)]);
  }
  const openGap = stats.openGap ? (JSON.parse(stats.openGap) as Gap) : null;
  const aliveAt = numOrNull(stats.aliveAt);
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
      eventsPerSecond: numOrNull(stats.eventsPerSecond) ?? 0,
      lagSeconds: { p50: numOrNull(stats.lagP50), p99: numOrNull(stats.lagP99) },
      eventsTotal: numOrNull(stats.eventsTotal) ?? 0,
      malformedTotal: numOrNull(stats.malformedTotal) ?? 0,
      ignoredTotal: numOrNull(stats.ignoredTotal) ?? 0,
      lastEventAt: numOrNull(stats.lastEventAt),
      lastFlushAt: numOrNull(stats.lastFlushAt),
    },
    gaps: openGap ? [openGap, ...gaps] : gaps,
  };
}
