import 'server-only';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

// Exactly one process collects per store: it holds a Redis lease (SET NX PX) and renews it. Each
// acquisition starts a new term with a fresh token, so renew/release are compare-and-set on the term
// (never extending or dropping a lease that passed to someone else), and the fence can tell a write
// of this term from a write prepared under an earlier one (a paused process that got the lease back).

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export const LEASE_TTL_MS = 6_000;
export const LEASE_RENEW_MS = 2_000;
/** How often a standby tries for the lease: a released lease is taken over well within a second. */
export const STANDBY_POLL_MS = 250;

/** `renewed`: same term continues; `acquired`: a new term begins (caches of any earlier term are void). */
export type LeaseOutcome = 'renewed' | 'acquired' | 'held-elsewhere';

export class Lease {
  private term: string | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    /** Identifies the process (host:pid:random); each term's token extends it. */
    readonly holderId: string,
    private readonly ttlMs = LEASE_TTL_MS,
  ) {}

  /** The current term's token (null when not holding). */
  get token(): string | null {
    return this.term;
  }

  async tryAcquireOrRenew(): Promise<LeaseOutcome> {
    if (this.term !== null) {
      const renewed = await this.redis.eval(RENEW, 1, this.key, this.term, String(this.ttlMs));
      if (renewed === 1) return 'renewed';
      this.term = null;
    }
    const token = `${this.holderId}:${randomUUID().slice(0, 8)}`;
    const set = await this.redis.set(this.key, token, 'PX', this.ttlMs, 'NX');
    if (set !== 'OK') return 'held-elsewhere';
    this.term = token;
    return 'acquired';
  }

  async release(): Promise<void> {
    const term = this.term;
    this.term = null;
    if (term !== null) await this.redis.eval(RELEASE, 1, this.key, term);
  }
}
