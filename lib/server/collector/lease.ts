import 'server-only';
import type Redis from 'ioredis';

// Exactly one process collects per store: it holds a Redis lease (SET NX PX) and renews it. The
// token makes renew/release compare-and-set, so a process never extends or drops a lease that has
// already passed to someone else.

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export const LEASE_TTL_MS = 6_000;
export const LEASE_RENEW_MS = 2_000;

export class Lease {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    readonly token: string,
    private readonly ttlMs = LEASE_TTL_MS,
  ) {}

  /** True when this process holds the lease afterwards (acquired now, or renewed). */
  async tryAcquireOrRenew(): Promise<boolean> {
    const renewed = await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs));
    if (renewed === 1) return true;
    const set = await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX');
    return set === 'OK';
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }

  async holder(): Promise<string | null> {
    return this.redis.get(this.key);
  }
}
