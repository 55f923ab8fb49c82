import type Redis from 'ioredis';
import type { Result } from 'ioredis';

// The read-only Lua script behind peek (peek.ts): in one atomic call, the depth of every band and
// exactly the page's messages (the same plan as pagePlan), each returned whole only when it fits
// the bounds — at most `maxMessage` bytes, and `maxPage` bytes for the page so far, counted in the
// order workers will take them — and otherwise as its size alone (an integer), so a huge message
// never leaves Redis, nor reaches Trellis' memory or the response.
//
// KEYS: the queue's band keys, highest priority first. ARGV: offset, size, maxMessage, maxPage.
// Reply: the depth of every band, then per band of the page: how many of its messages follow,
// then each (next to run first) as its bytes, or its size when over the bounds.
const BODY = `
local offset, size, maxMessage, budget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local out, depths = {}, {}
for i = 1, #KEYS do
  depths[i] = redis.call('LLEN', KEYS[i])
  out[i] = depths[i]
end
local start = 0
for i = 1, #KEYS do
  local stop = start + depths[i]
  local from, to = math.max(offset, start), math.min(offset + size, stop)
  if from < to then
    local items = redis.call('LRANGE', KEYS[i], -(to - start), -(from - start + 1))
    out[#out + 1] = #items
    for j = #items, 1, -1 do
      local m = items[j]
      if #m <= maxMessage and #m <= budget then
        budget = budget - #m
        out[#out + 1] = m
      else
        out[#out + 1] = #m
      end
    end
  end
  start = stop
end
return out
`;

const PEEK_COMMAND = 'trellisQueuePeek';
const PEEK_COMMAND_FLAGGED = 'trellisQueuePeekRo';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    trellisQueuePeekBuffer(numKeys: number, ...keysAndArgs: Array<string | number>): Result<Array<Buffer | number>, Context>;
    trellisQueuePeekRoBuffer(numKeys: number, ...keysAndArgs: Array<string | number>): Result<Array<Buffer | number>, Context>;
  }
}

const registered = new WeakSet<Redis>();

/** Registers the peek script on a client once; `flagged` (Redis ≥ 7) runs it as no-writes (replicas, OOM). */
export function peekScript(redis: Redis, flagged: boolean) {
  if (!registered.has(redis)) {
    redis.defineCommand(PEEK_COMMAND, { lua: BODY });
    redis.defineCommand(PEEK_COMMAND_FLAGGED, { lua: `#!lua flags=no-writes\n${BODY}` });
    registered.add(redis);
  }
  return (keys: readonly string[], args: readonly number[]) =>
    flagged ? redis.trellisQueuePeekRoBuffer(keys.length, ...keys, ...args) : redis.trellisQueuePeekBuffer(keys.length, ...keys, ...args);
}
