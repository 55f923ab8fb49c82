import 'server-only';
import type Redis from 'ioredis';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '@/lib/errors';
import type { RateLimits } from '../config';
import type { TrellisContext } from '../context';
import type { Permission, Principal } from './authorize';

// Rate limiting per token, user or (anonymous) client address, in Redis so every Trellis process
// shares one budget. Each kind is a token bucket as rate-limiter-flexible builds one: a steady
// bucket refilled every 10 s (a sixth of the per-minute rate) plus a burst bucket of the same size
// refilled every minute. If the store fails, an in-memory bucket stands in (no request is
// refused or let through unlimited because Redis hiccuped). docs/adr/0017.

export type RateKind = 'read' | 'action' | 'login';

export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `too many requests; retry in ${retryAfterSeconds} s`);
  }
}

/** Permissions ending in ':act' change something (revoke, purge, acknowledge): the stricter bucket. */
export function rateKindOf(permission: Permission | 'public'): RateKind {
  return permission.endsWith(':act') || permission === 'queues:delete' || permission === 'admin' ? 'action' : 'read';
}

/**
 * Who the budget belongs to: the token or user, else the client address. Logins, and requests
 * whose credentials were refused (principal null), always count by address.
 */
export function rateSubject(request: Request, principal: Principal | null, kind: RateKind): string {
  if (kind !== 'login' && principal && principal.kind !== 'anonymous') return `${principal.kind}:${principal.id}`;
  return `ip:${clientAddress(request)}`;
}

/**
 * The client's address as Next.js passes it: `next start` sets X-Forwarded-For to the socket's
 * address unless the request already carries one (then a reverse proxy, or the client, set it).
 */
export function clientAddress(request: Request): string {
  const first = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() ?? '';
  return /^[0-9A-Fa-f:.]{2,45}$/.test(first) ? first : 'unknown';
}

const STEADY_SECONDS = 10;
const BURST_SECONDS = 60;

function bucket(store: Redis, keyPrefix: string, points: number, duration: number): RateLimiterRedis {
  return new RateLimiterRedis({
    storeClient: store,
    keyPrefix,
    points,
    duration,
    insuranceLimiter: new RateLimiterMemory({ points, duration }),
    // A disconnected store goes straight to the in-memory bucket instead of waiting a command timeout.
    rejectIfRedisNotReady: true,
  });
}

type Limiters = Record<RateKind, BurstyRateLimiter>;
const cache = new WeakMap<Redis, { signature: string; limiters: Limiters }>();

function limitersFor(ctx: TrellisContext, limits: RateLimits): Limiters {
  const signature = `${ctx.keys.prefix}|${limits.read}|${limits.action}|${limits.login}`;
  const cached = cache.get(ctx.store);
  if (cached?.signature === signature) return cached.limiters;
  const make = (kind: RateKind): BurstyRateLimiter => {
    const points = Math.ceil((limits[kind] * STEADY_SECONDS) / 60);
    return new BurstyRateLimiter(
      bucket(ctx.store, ctx.keys.rateLimit(kind), points, STEADY_SECONDS),
      bucket(ctx.store, ctx.keys.rateLimit(`${kind}-burst`), points, BURST_SECONDS),
    );
  };
  const limiters: Limiters = { read: make('read'), action: make('action'), login: make('login') };
  cache.set(ctx.store, { signature, limiters });
  return limiters;
}

/** Takes one token from the caller's bucket of this kind; throws RateLimitedError (429) when empty. */
export async function rateLimit(ctx: TrellisContext, request: Request, principal: Principal | null, kind: RateKind): Promise<void> {
  const limits = ctx.config.rateLimit;
  if (limits === null) return;
  try {
    await limitersFor(ctx, limits)[kind].consume(rateSubject(request, principal, kind));
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    throw rejection;
  }
}
