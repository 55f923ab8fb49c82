import 'server-only';
import Redis, { type RedisOptions } from 'ioredis';
import { logger } from '../logger';
import { targetKey, type RedisTarget } from './url';

// One factory for every Redis connection Trellis opens: each is named (CLIENT LIST shows
// "trellis-<role>"), always has an error listener, reconnects with capped backoff, reaches a
// Sentinel-managed master through its sentinels, and gives every command a deadline (a stalled
// Redis fails the request instead of hanging it).

export type RedisRole = 'store' | 'broker' | 'backend' | 'subscriber' | 'blocking' | 'hub';

export function backoffMs(attempt: number): number {
  return Math.min(200 * 2 ** Math.min(attempt, 6), 5_000);
}

/** TRELLIS_REDIS_TIMEOUT's default. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;

export function createRedisClient(target: RedisTarget, role: RedisRole, extra: RedisOptions = {}): Redis {
  const timeoutMs = target.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const client = new Redis({
    ...where(target, role, timeoutMs),
    db: target.db,
    username: target.username,
    password: target.password,
    connectionName: `trellis-${role}`,
    retryStrategy: (times) => backoffMs(times),
    maxRetriesPerRequest: 2,
    enableAutoPipelining: false,
    lazyConnect: false,
    ...(role === 'blocking'
      ? // A blocking command waits as long as it asks to: its deadline is its own timeout plus this margin.
        { blockingTimeout: timeoutMs, blockingTimeoutGrace: timeoutMs }
      : { commandTimeout: timeoutMs }),
    ...extra,
  });
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    // Throttle: a Redis that is down produces an error per retry.
    const now = Date.now();
    if (now - lastLogged > 10_000) {
      lastLogged = now;
      logger.warn({ role, err: err.message }, 'redis connection error');
    }
  });
  return client;
}

function where(target: RedisTarget, role: RedisRole, timeoutMs: number): RedisOptions {
  if (!target.sentinel) return { host: target.host, port: target.port, tls: target.tls ? {} : undefined };
  return {
    sentinels: target.sentinel.sentinels,
    name: target.sentinel.masterName,
    sentinelPassword: target.sentinel.password,
    sentinelCommandTimeout: timeoutMs, // a stalled sentinel is skipped for the next one
    // Listen for +switch-master on the sentinels and move to the new master at once: otherwise
    // this connection keeps reading and writing the demoted master until the sentinels reconfigure
    // it (seconds later), and what it writes there is lost when it resyncs. Not for the short-lived
    // blocking connection (an inspect call), which would open sentinel connections per call.
    failoverDetector: role !== 'blocking',
    // After a failover the old master refuses writes until the sentinels have reconfigured it (and
    // killed its clients): reconnect, which asks the sentinels for the new master, and resend.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  };
}

type Clients = { store: Redis; broker: Redis; backend: Redis };
const globalForRedis = globalThis as unknown as { __trellisRedis?: Map<string, Clients> };

/** Shared command connections for one configuration, cached on globalThis (survives dev reloads). */
export function sharedClients(key: string, targets: { store: RedisTarget; broker: RedisTarget; backend: RedisTarget }): Clients {
  globalForRedis.__trellisRedis ??= new Map();
  let clients = globalForRedis.__trellisRedis.get(key);
  if (!clients) {
    const store = createRedisClient(targets.store, 'store');
    const broker = sameTarget(targets.broker, targets.store) ? store : createRedisClient(targets.broker, 'broker');
    const backend = sameTarget(targets.backend, targets.store)
      ? store
      : sameTarget(targets.backend, targets.broker)
        ? broker
        : createRedisClient(targets.backend, 'backend');
    clients = { store, broker, backend };
    globalForRedis.__trellisRedis.set(key, clients);
  }
  return clients;
}

function sameTarget(a: RedisTarget, b: RedisTarget): boolean {
  return targetKey(a) === targetKey(b);
}
