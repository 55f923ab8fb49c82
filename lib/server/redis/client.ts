import 'server-only';
import Redis, { type RedisOptions } from 'ioredis';
import { logger } from '../logger';
import type { RedisTarget } from './url';

// One factory for every Redis connection Trellis opens: each is named (CLIENT LIST shows
// "trellis-<role>"), always has an error listener, and reconnects with capped backoff.

export type RedisRole = 'store' | 'broker' | 'backend' | 'subscriber' | 'blocking' | 'hub';

export function backoffMs(attempt: number): number {
  return Math.min(200 * 2 ** Math.min(attempt, 6), 5_000);
}

export function createRedisClient(target: RedisTarget, role: RedisRole, extra: RedisOptions = {}): Redis {
  const client = new Redis({
    host: target.host,
    port: target.port,
    db: target.db,
    username: target.username,
    password: target.password,
    tls: target.tls ? {} : undefined,
    connectionName: `trellis-${role}`,
    retryStrategy: (times) => backoffMs(times),
    maxRetriesPerRequest: 2,
    enableAutoPipelining: false,
    lazyConnect: false,
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
  return a.host === b.host && a.port === b.port && a.db === b.db && a.username === b.username && a.tls === b.tls;
}
