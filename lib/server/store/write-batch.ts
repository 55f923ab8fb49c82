import 'server-only';
import type Redis from 'ioredis';

// The store writes of one step of the collecting process (a flush, a retention round, a gap), collected
// as plain commands so the fence can apply them in one atomic script that first checks the lease.
// Only the commands the collecting process uses; each returns the batch for chaining like ioredis.

export type StoreArg = string | number;
export type StoreCommand = [name: string, ...args: StoreArg[]];

/** Lua's unpack() takes at most ~8,000 values: longer argument lists are split into several commands. */
const MAX_ARGS_PER_COMMAND = 2_000;

export class WriteBatch {
  readonly commands: StoreCommand[] = [];

  constructor(private readonly run: (batch: WriteBatch) => Promise<WriteResult>) {}

  get length(): number {
    return this.commands.length;
  }

  exec(): Promise<WriteResult> {
    return this.run(this);
  }

  call(name: string, ...args: StoreArg[]): this {
    this.commands.push([name, ...args]);
    return this;
  }

  set(key: string, value: string, ...options: StoreArg[]): this {
    return this.call('SET', key, value, ...options);
  }
  del(...keys: string[]): this {
    return this.chunked('DEL', [], keys, 1);
  }
  expire(key: string, seconds: number): this {
    return this.call('EXPIRE', key, seconds);
  }
  zadd(key: string, score: number, member: string): this {
    return this.call('ZADD', key, score, member);
  }
  zrem(key: string, ...members: string[]): this {
    return this.chunked('ZREM', [key], members, 1);
  }
  zremrangebyscore(key: string, min: StoreArg, max: StoreArg): this {
    return this.call('ZREMRANGEBYSCORE', key, min, max);
  }
  sadd(key: string, ...members: string[]): this {
    return this.chunked('SADD', [key], members, 1);
  }
  srem(key: string, ...members: string[]): this {
    return this.chunked('SREM', [key], members, 1);
  }
  hset(key: string, fields: Record<string, string>): this {
    return this.chunked('HSET', [key], Object.entries(fields).flat(), 2);
  }
  hdel(key: string, ...fields: string[]): this {
    return this.chunked('HDEL', [key], fields, 1);
  }
  hincrby(key: string, field: string, n: number): this {
    return this.call('HINCRBY', key, field, n);
  }
  lpush(key: string, ...values: string[]): this {
    return this.chunked('LPUSH', [key], values, 1);
  }
  ltrim(key: string, start: number, stop: number): this {
    return this.call('LTRIM', key, start, stop);
  }
  publish(channel: string, message: string): this {
    return this.call('PUBLISH', channel, message);
  }

  private chunked(name: string, head: StoreArg[], rest: StoreArg[], stride: number): this {
    if (rest.length === 0) return this;
    const step = Math.max(stride, MAX_ARGS_PER_COMMAND - (MAX_ARGS_PER_COMMAND % stride));
    for (let i = 0; i < rest.length; i += step) this.call(name, ...head, ...rest.slice(i, i + step));
    return this;
  }
}

export interface WriteResult {
  /** False when an earlier attempt with the same once-id had already been applied (nothing done now). */
  applied: boolean;
  /** Commands Redis refused one by one (e.g. WRONGTYPE on a key someone else wrote); the rest applied. */
  commandErrors: number;
  firstCommandError: string | null;
}

/** A batch applied as a plain pipeline, for writers that are not the collecting process (bench loaders). */
export function unfencedBatch(redis: Redis): WriteBatch {
  return new WriteBatch(async (b) => {
    const pipe = redis.pipeline();
    for (const [name, ...args] of b.commands) pipe.call(name, ...args);
    const results = (await pipe.exec()) ?? [];
    const errors = results.filter(([err]) => err);
    return { applied: true, commandErrors: errors.length, firstCommandError: errors[0]?.[0]?.message ?? null };
  });
}

/** Applies the batch; a command Redis refused is an error (for writers that must not half-apply silently). */
export async function execOrThrow(batch: WriteBatch): Promise<void> {
  const r = await batch.exec();
  if (r.commandErrors > 0) throw new Error(`store refused ${r.commandErrors} writes: ${r.firstCommandError}`);
}
