import type Redis from 'ioredis';
import type { Result } from 'ioredis';

// Puts archived messages back into queue bands, one atomic step per call (a message is in the
// archive or in the queue, never in both or neither). Two scripts:
// - PUT (messages unchanged): per band, an absent target band gets the archive list by RENAME
//   (O(1), byte for byte, the list's order is the queue's) and PERSIST (RENAME carries the TTL);
//   otherwise up to `chunk` RPOPLPUSH from the archive's right end (next to run first) to the
//   band's left end: behind what arrived since, in the original order among themselves, exactly
//   as if they were published again one by one.
// - PUT_ROUTED (messages rewritten by the caller for another queue): trims `k` messages off one
//   archive band's right end and LPUSHes their rewritten forms (next to run first), the ones that
//   could not be rewritten back to the archive's far left (kept, never dropped); refused when the
//   archive's version moved since the caller read it (another restore took messages meanwhile).
// Both bump the archive's version, and once every band is empty delete its meta and index entry.
//
// PUT      KEYS: n archive bands, n target bands, meta, index. ARGV: n, chunk, archive id.
//          Reply: per band the count moved, then the count left in the archive.
// PUT_ROUTED KEYS: archive band, target band, meta, index, every archive band.
//          ARGV: version, k, archive id, good count, good messages…, kept messages…
//          Reply: -1 on a version conflict, else the count left in the archive.

const FINISH = `
local function lists(first, last)
  for i = first, last do
    local t = redis.call('TYPE', KEYS[i]).ok
    if t ~= 'list' and t ~= 'none' then return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' is no queue list') end
  end
end
local function finish(meta, index, id, first, last)
  redis.call('HINCRBY', meta, 'version', 1)
  local left = 0
  for i = first, last do left = left + redis.call('LLEN', KEYS[i]) end
  if left == 0 then
    redis.call('DEL', meta)
    redis.call('ZREM', index, id)
  end
  return left
end
`;

const PUT = `${FINISH}
local n, budget = tonumber(ARGV[1]), tonumber(ARGV[2])
local refused = lists(n + 1, 2 * n)
if refused then return refused end
local out = {}
for i = 1, n do
  local src, dst = KEYS[i], KEYS[n + i]
  local moved = 0
  if redis.call('EXISTS', src) == 1 then
    if redis.call('EXISTS', dst) == 0 then
      moved = redis.call('LLEN', src)
      redis.call('RENAME', src, dst)
      redis.call('PERSIST', dst)
    else
      while moved < budget and redis.call('RPOPLPUSH', src, dst) do moved = moved + 1 end
      budget = budget - moved
    end
  end
  out[i] = moved
end
out[n + 1] = finish(KEYS[2 * n + 1], KEYS[2 * n + 2], ARGV[3], 1, n)
return out
`;

const PUT_ROUTED = `${FINISH}
local src, dst, meta = KEYS[1], KEYS[2], KEYS[3]
local refused = lists(2, 2)
if refused then return refused end
if (redis.call('HGET', meta, 'version') or '0') ~= ARGV[1] then return -1 end
local k, good = tonumber(ARGV[2]), tonumber(ARGV[4])
redis.call('LTRIM', src, 0, -(k + 1))
for j = 5, 4 + good do redis.call('LPUSH', dst, ARGV[j]) end
for j = 5 + good, #ARGV do redis.call('LPUSH', src, ARGV[j]) end
return finish(meta, KEYS[4], ARGV[3], 5, #KEYS)
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    trellisArchivePut(numKeys: number, ...keysAndArgs: Array<string | number>): Result<number[], Context>;
    trellisArchivePutRouted(numKeys: number, ...keysAndArgs: Array<string | number | Buffer>): Result<number, Context>;
  }
}

const registered = new WeakSet<Redis>();

function define(redis: Redis): void {
  if (registered.has(redis)) return;
  redis.defineCommand('trellisArchivePut', { lua: PUT });
  redis.defineCommand('trellisArchivePutRouted', { lua: PUT_ROUTED });
  registered.add(redis);
}

export interface ArchiveKeys {
  id: string;
  bands: readonly string[];
  meta: string;
  index: string;
}

/** One step of an unchanged restore: the count moved per band, and the count left. */
export async function putBack(redis: Redis, a: ArchiveKeys, targets: readonly string[], chunk: number): Promise<{ moved: number[]; left: number }> {
  define(redis);
  const keys = [...a.bands, ...targets, a.meta, a.index];
  const reply = await redis.trellisArchivePut(keys.length, ...keys, a.bands.length, chunk, a.id);
  return { moved: reply.slice(0, a.bands.length).map(Number), left: Number(reply[a.bands.length] ?? 0) };
}

export interface RoutedStep {
  band: string;
  target: string;
  version: string;
  /** How many messages were read off the band's right end. */
  taken: number;
  /** Rewritten, next to run first. */
  routed: readonly Buffer[];
  /** Read but not rewritable: they go back to the archive. */
  kept: readonly Buffer[];
}

/** One step of a rerouting restore: the count left, or null when another restore moved the archive meanwhile. */
export async function putRouted(redis: Redis, a: ArchiveKeys, s: RoutedStep): Promise<number | null> {
  define(redis);
  const keys = [s.band, s.target, a.meta, a.index, ...a.bands];
  const left = await redis.trellisArchivePutRouted(keys.length, ...keys, s.version, s.taken, a.id, s.routed.length, ...s.routed, ...s.kept);
  return left < 0 ? null : left;
}
