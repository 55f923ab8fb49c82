import 'server-only';
import type Redis from 'ioredis';
import { parseInfo } from './info';

// The major version of the Redis server behind a client, asked once (INFO server) and remembered:
// Redis ≥ 7 takes script flags, Redis ≥ 6 takes fractional blocking timeouts. A failed read is not
// remembered, so the next caller asks again.

const versions = new WeakMap<Redis, Promise<number | null>>();

export function redisMajorVersion(redis: Redis): Promise<number | null> {
  let v = versions.get(redis);
  if (!v) {
    v = redis.info('server').then((text) => {
      const major = Number(parseInfo(text).get('redis_version')?.split('.')[0]);
      return Number.isFinite(major) ? major : null;
    });
    v.catch(() => versions.delete(redis));
    versions.set(redis, v);
  }
  return v.catch(() => null);
}

/** A blocking-command timeout Redis accepts: seconds with millisecond precision since Redis 6,
 *  whole seconds before (and when the version is unknown: every version takes those). */
export function blockingTimeout(seconds: number, major: number | null): number {
  if (major === null || major < 6) return Math.max(1, Math.ceil(seconds));
  return Math.max(0.01, Math.round(seconds * 1000) / 1000);
}
