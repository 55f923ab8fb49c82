import type Redis from 'ioredis';
import type { Result } from 'ioredis';

// Takes waiting messages out of a queue into an archive, atomically (one script call), band by band
// (highest priority band first: the order workers take them, protocol doc §4.2).
// - limit -1 (purge, move all): each non-empty band is RENAMEd to its archive list: O(1) whatever
//   the depth, byte for byte, order kept (the archive list has the queue's orientation: right end
//   next to run). The archive keys then get the retention TTL.
// - limit N (move N): RPOPLPUSH from each band's right end (the next to run) to the archive list's
//   left end, N at most, so the archive keeps the queue's orientation too. O(N) per call; callers
//   chunk it.
// The archive's meta (queue, kind, by, when, counts per band) and its entry in the queue's archive
// index are written in the same call, so an archive never exists without its record.
//
// KEYS: n source band keys, n archive band keys, meta, index.
// ARGV: n, limit, ttl, archive id, created (index score), then meta field/value pairs.
// Reply: the count taken from each band.
const BODY = `
local n, limit, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local meta, index = KEYS[2 * n + 1], KEYS[2 * n + 2]
local counts, total = {}, 0
for i = 1, n do
  local t = redis.call('TYPE', KEYS[i]).ok
  if t ~= 'list' and t ~= 'none' then return redis.error_reply('WRONGTYPE ' .. KEYS[i] .. ' is no queue list') end
end
for i = 1, n do
  local src, dst = KEYS[i], KEYS[n + i]
  local taken = 0
  if limit < 0 then
    if redis.call('EXISTS', src) == 1 then
      taken = redis.call('LLEN', src)
      if redis.call('EXISTS', dst) == 1 then return redis.error_reply('ARCHIVE_EXISTS ' .. dst) end
      redis.call('RENAME', src, dst)
    end
  else
    while total + taken < limit and redis.call('RPOPLPUSH', src, dst) do taken = taken + 1 end
  end
  if taken > 0 then redis.call('EXPIRE', dst, ttl) end
  counts[i] = taken
  total = total + taken
end
if total > 0 then
  local fields = {}
  for j = 6, #ARGV do fields[#fields + 1] = ARGV[j] end
  redis.call('HSET', meta, unpack(fields))
  for i = 1, n do redis.call('HINCRBY', meta, 'count:' .. (i - 1), counts[i]) end
  redis.call('EXPIRE', meta, ttl)
  redis.call('ZADD', index, ARGV[5], ARGV[4])
  redis.call('EXPIRE', index, ttl)
end
return counts
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    trellisArchiveTake(numKeys: number, ...keysAndArgs: Array<string | number>): Result<number[], Context>;
  }
}

const registered = new WeakSet<Redis>();

export interface TakeInput {
  sources: readonly string[];
  archives: readonly string[];
  meta: string;
  index: string;
  /** -1: everything (RENAME). */
  limit: number;
  ttl: number;
  archiveId: string;
  created: number;
  fields: Record<string, string>;
}

export function takeIntoArchive(redis: Redis, t: TakeInput): Promise<number[]> {
  if (!registered.has(redis)) {
    redis.defineCommand('trellisArchiveTake', { lua: BODY });
    registered.add(redis);
  }
  const keys = [...t.sources, ...t.archives, t.meta, t.index];
  const args = [t.sources.length, t.limit, t.ttl, t.archiveId, t.created, ...Object.entries(t.fields).flat()];
  return redis.trellisArchiveTake(keys.length, ...keys, ...args);
}
