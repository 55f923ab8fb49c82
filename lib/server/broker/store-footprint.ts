import 'server-only';
import type Redis from 'ioredis';

// How many keys and bytes Trellis' store holds, with bounded work: an exact SCAN when the database
// is small, otherwise RANDOMKEY sampling (fraction of keys under the prefix × DBSIZE) and MEMORY
// USAGE of a sample of those keys. Says which method it used.

const EXACT_SCAN_MAX_DB = 20_000;
const SAMPLES = 200;
const MEMORY_SAMPLES = 50;

export interface StoreFootprint {
  keys: number;
  estimatedBytes: number | null;
  method: 'scan' | 'sampled';
}

async function memoryOf(redis: Redis, keys: readonly string[]): Promise<number | null> {
  if (keys.length === 0) return 0;
  try {
    const res = (await redis.pipeline(keys.map((k) => ['memory', 'USAGE', k, 'SAMPLES', '5'])).exec()) ?? [];
    const sizes = res.map(([err, v]) => (err ? null : Number(v))).filter((v): v is number => v !== null && Number.isFinite(v));
    return sizes.length ? sizes.reduce((a, b) => a + b, 0) / sizes.length : null;
  } catch {
    return null; // MEMORY is disabled
  }
}

export async function storeFootprint(redis: Redis, pattern: string, prefix: string): Promise<StoreFootprint> {
  const dbsize = await redis.dbsize();
  if (dbsize <= EXACT_SCAN_MAX_DB) {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const avg = await memoryOf(redis, keys.slice(0, MEMORY_SAMPLES));
    return { keys: keys.length, estimatedBytes: avg === null ? null : Math.round(avg * keys.length), method: 'scan' };
  }
  const sampled = ((await redis.pipeline(Array.from({ length: SAMPLES }, () => ['randomkey'])).exec()) ?? [])
    .map(([err, v]) => (err ? null : v))
    .filter((v): v is string => typeof v === 'string');
  const ours = [...new Set(sampled.filter((k) => k.startsWith(prefix)))];
  const fraction = sampled.length ? sampled.filter((k) => k.startsWith(prefix)).length / sampled.length : 0;
  const keys = Math.round(fraction * dbsize);
  const avg = await memoryOf(redis, ours.slice(0, MEMORY_SAMPLES));
  return { keys, estimatedBytes: avg === null ? null : Math.round(avg * keys), method: 'sampled' };
}
