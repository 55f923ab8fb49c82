import 'server-only';
import type Redis from 'ioredis';
import type { TrellisContext } from '../context';
import { escapeGlob } from '../redis/glob';
import { configGet } from './config-get';
import { parseInfo } from './info';
import { pubsubBufferLimit, type PubsubBufferLimit } from './pubsub-buffer';
import { storeFootprint, type StoreFootprint } from './store-footprint';
import { storeSharing, type StoreSharing } from './store-sharing';

// Broker health (GET /api/v1/broker): memory, eviction policy (anything but `noeviction` can
// silently delete queues, bindings and unacked entries, protocol doc §8.14), clients, CPU, and
// what Trellis' own store costs and whether it shares (and can be evicted with) the broker's
// Redis, and the pub/sub output-buffer limit (the burst before Redis drops the event subscriber).
// Every read is bounded: INFO, CONFIG GET, DBSIZE, a sampled footprint.

export interface BrokerHealth {
  redisVersion: string | null;
  uptimeSeconds: number | null;
  usedMemoryBytes: number | null;
  usedMemoryPeakBytes: number | null;
  maxMemoryBytes: number | null;
  /** null when CONFIG is disabled (managed Redis). */
  maxMemoryPolicy: string | null;
  connectedClients: number | null;
  blockedClients: number | null;
  evictedKeys: number | null;
  /** used_cpu_sys + used_cpu_user, seconds since start. */
  cpuSeconds: number | null;
  brokerDbKeys: number;
  store: StoreFootprint;
  storeSharing: StoreSharing;
  pubsubOutputBuffer: PubsubBufferLimit;
  warnings: string[];
}

async function maxMemoryPolicy(redis: Redis): Promise<string | null> {
  return (await configGet(redis, 'maxmemory-policy')).value;
}

export async function brokerHealth(ctx: TrellisContext): Promise<BrokerHealth> {
  const [infoText, policy, dbsize, store, sharing, pubsub] = await Promise.all([
    ctx.broker.info(),
    maxMemoryPolicy(ctx.broker),
    ctx.broker.dbsize(),
    storeFootprint(ctx.store, `${escapeGlob(ctx.keys.prefix)}*`, ctx.keys.prefix),
    storeSharing(ctx),
    pubsubBufferLimit(ctx.broker),
  ]);
  const info = parseInfo(infoText);
  const n = (k: string) => {
    const v = Number(info.get(k));
    return info.has(k) && Number.isFinite(v) ? v : null;
  };
  const cpuSys = n('used_cpu_sys');
  const cpuUser = n('used_cpu_user');
  const warnings: string[] = [];
  if (policy === null) warnings.push('maxmemory-policy unknown (CONFIG GET is not allowed): make sure it is noeviction');
  else if (policy !== 'noeviction')
    warnings.push(`maxmemory-policy is ${policy}: Redis may evict queues, bindings or unacked messages under memory pressure; use noeviction`);
  const maxMem = n('maxmemory');
  const used = n('used_memory');
  if (maxMem && used !== null && used / maxMem > 0.8) warnings.push(`memory is ${Math.round((100 * used) / maxMem)} % of maxmemory`);
  if (sharing.warning) warnings.push(sharing.warning);
  return {
    redisVersion: info.get('redis_version') ?? null,
    uptimeSeconds: n('uptime_in_seconds'),
    usedMemoryBytes: used,
    usedMemoryPeakBytes: n('used_memory_peak'),
    maxMemoryBytes: maxMem,
    maxMemoryPolicy: policy,
    connectedClients: n('connected_clients'),
    blockedClients: n('blocked_clients'),
    evictedKeys: n('evicted_keys'),
    cpuSeconds: cpuSys !== null && cpuUser !== null ? cpuSys + cpuUser : null,
    brokerDbKeys: dbsize,
    store,
    storeSharing: sharing,
    pubsubOutputBuffer: pubsub,
    warnings,
  };
}
