import type Redis from 'ioredis';
import type { Result } from 'ioredis';

// A read-only Lua helper that probes the priority bands of many queues in one call and sends a
// message back only when it changed (ADR 0101). Per band: LLEN; where the previous sample's newest
// message now sits (LPOS … MAXLEN, so `in` is exact), and the newest message (LINDEX 0) only when
// something was pushed since. Per queue: whether the next message to run (the right end of the
// first non-empty band) is still the one seen last time — nothing taken from that band (its depth
// is the previous depth plus what was pushed), or else LPOS RANK -1 MAXLEN 1 comparing just that
// element — and the new one only when it changed. Without it every sample moved each band's newest
// message both ways: ~7 MB for 1,000 queues × 4 bands, most of it unchanged.
//
// The caller keeps the previous messages (≤ maxKept bytes each; larger ones are not sent back and
// their band's flow turns into a lower bound) and bounds the queues per call, so Redis is held for
// about a millisecond per call. The script never writes.
//
// KEYS: every band key of every queue in the call, queue by queue, highest priority first.
// ARGV: maxKept, LPOS maxlen, queue count, then per queue: band count, previous head message
//       ('' = none), the band (1-based) that held it and its depth then (0 = none), then per band:
//       previous newest message ('' = none).
// Reply, per queue: head state (0 = queue empty, 1 = unchanged, 2 = changed: message follows,
//       3 = changed but larger than maxKept), head message or ''; then per band: depth, position of
//       the previous newest (-1 = not found within maxlen, -2 = not asked), newest message ('' when
//       unchanged, or larger than maxKept).
const LUA = `
local maxKept = tonumber(ARGV[1])
local maxlen = tonumber(ARGV[2])
local queues = tonumber(ARGV[3])
local a, k = 4, 1
local out = {}
for q = 1, queues do
  local bands = tonumber(ARGV[a])
  local prevHead = ARGV[a + 1]
  local prevHeadBand = tonumber(ARGV[a + 2])
  local prevHeadDepth = tonumber(ARGV[a + 3])
  a = a + 4
  local headAt = #out + 1
  out[headAt] = 0
  out[headAt + 1] = ''
  local headSeen = false
  for b = 1, bands do
    local key = KEYS[k]
    local prev = ARGV[a]
    k = k + 1
    a = a + 1
    local depth = redis.call('LLEN', key)
    local pos, newest = -2, ''
    if depth > 0 then
      if prev ~= '' then
        pos = redis.call('LPOS', key, prev, 'MAXLEN', maxlen) or -1
      end
      if pos ~= 0 then
        local m = redis.call('LINDEX', key, 0)
        if #m <= maxKept then newest = m end
      end
      if not headSeen then
        headSeen = true
        -- Same band with the pushes known: the head is unchanged exactly when nothing was taken
        -- (or restored), i.e. depth = previous depth + pushed. Otherwise compare the element.
        local same
        if b == prevHeadBand and pos >= 0 then
          same = depth == prevHeadDepth + pos
        else
          same = prevHead ~= '' and redis.call('LPOS', key, prevHead, 'RANK', -1, 'MAXLEN', 1) ~= false
        end
        if prevHead ~= '' and same then
          out[headAt] = 1
        else
          local h = redis.call('LINDEX', key, -1)
          if #h <= maxKept then
            out[headAt] = 2
            out[headAt + 1] = h
          else
            out[headAt] = 3
          end
        end
      end
    end
    out[#out + 1] = depth
    out[#out + 1] = pos
    out[#out + 1] = newest
  end
end
return out
`;

export const PROBE_COMMAND = 'trellisQueueProbe';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    trellisQueueProbeBuffer(numKeys: number, ...keysAndArgs: Array<string | number | Buffer>): Result<Array<Buffer | number>, Context>;
  }
}

const registered = new WeakSet<Redis>();

/** Registers the probe on a client once (ioredis sends EVALSHA, falling back to EVAL when not cached).
 *  Call it as `trellisQueueProbeBuffer`: messages go both ways as bytes, never re-encoded. */
export function withProbeCommand(redis: Redis): Redis {
  if (!registered.has(redis)) {
    redis.defineCommand(PROBE_COMMAND, { lua: LUA });
    registered.add(redis);
  }
  return redis;
}

/** True when Redis itself answered the probe with an error: scripting disabled or not permitted
 *  (ACL without @scripting, managed services), or a command the script uses is missing (LPOS needs
 *  Redis 6.0.6). Connection errors are not refusals. NOSCRIPT is retried by ioredis itself. */
export function isScriptingRefused(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError' && !err.message.startsWith('NOSCRIPT');
}
