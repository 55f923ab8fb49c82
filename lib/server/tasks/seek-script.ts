import type Redis from 'ioredis';
import type { Result } from 'ioredis';

// Pages an index from a (score, member) position, exclusive, in one call: the next `count` entries
// after it in the index's order, with their scores. A score window (ZRANGEBYSCORE from the cursor's
// score) cannot step past a run of equal scores longer than its LIMIT; ranks can. The position's
// rank is found without the member having to be in this index (it may be in another index of a
// merged scan, or gone since): count the entries with a better score, then binary-search the run
// of equal scores by member, bytewise as Redis orders them (Lua's own string `<` follows the
// server's locale). Cost: two ZCOUNTs, log2(run length) single-entry ZRANGEs and the range itself.
//
// KEYS[1]: the index. ARGV: score, member, count, 'desc' | 'asc'. Reply: flat [member, score, …].

const BODY = `
local key, s, m, count, desc = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == 'desc'
local function less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local range, first
if desc then
  range, first = 'ZREVRANGE', redis.call('ZCOUNT', key, '(' .. s, '+inf')
else
  range, first = 'ZRANGE', redis.call('ZCOUNT', key, '-inf', '(' .. s)
end
local lo, hi = first, first + redis.call('ZCOUNT', key, s, s)
while lo < hi do
  local mid = math.floor((lo + hi) / 2)
  local x = redis.call(range, key, mid, mid)[1]
  local after
  if desc then after = less(x, m) else after = less(m, x) end
  if after then hi = mid else lo = mid + 1 end
end
return redis.call(range, key, lo, lo + count - 1, 'WITHSCORES')
`;

const SEEK_COMMAND = 'trellisIndexSeek';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    trellisIndexSeek(key: string, score: string, member: string, count: number, order: 'desc' | 'asc'): Result<string[], Context>;
  }
}

const registered = new WeakSet<Redis>();

/** Registers the seek on a client once (ioredis sends EVALSHA, falling back to EVAL). */
export function withSeekCommand(redis: Redis): Redis {
  if (!registered.has(redis)) {
    redis.defineCommand(SEEK_COMMAND, { numberOfKeys: 1, lua: BODY });
    registered.add(redis);
  }
  return redis;
}
