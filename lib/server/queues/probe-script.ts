import type Redis from 'ioredis';
import type { Result } from 'ioredis';

// A read-only Lua helper that probes the priority bands of many queues in one call, moving as
// few message bytes as it can in either direction (ADR 0101, 0102). What it must learn per band is
// how many messages were pushed since the last sample (the position of the previous newest
// message); per queue, whether the next message to run changed.
//
// Messages are identified by a *mark*: a fingerprint (length and last 48 bytes — kombu envelopes
// end with their unique delivery tag) or, for a band consumers are taking from, the message itself
// so that `LPOS` can find it at C speed. The script never receives or returns a whole message for
// a quiet band. It uses where workers take from: a worker pops the right end of the first
// non-empty band of a queue, so while the band that held the next message at the last sample (H)
// never ran empty, no band after it lost anything. H's next message still being there (one
// `LINDEX -1`), or its previous newest being found, proves it; then a band's pushes are its depth
// change, checked with one `LINDEX` where it grew and free where it did not. Only bands that may
// have lost messages are searched: by `LPOS` with a kept message, or by fingerprint over
// growing `LRANGE` windows (at most `scanMax` deep, `budget` elements per call, so Redis is never
// held long). Unlike the plain reads it keeps working for messages of any size.
//
// Redis time goes mostly to per-call, per-argument and per-table overhead, not to the commands,
// so: LLEN only for bands that held messages (one EXISTS per call for all the others), arguments
// and reply as one MessagePack string each (cmsgpack, in C; lib/server/redis/lua-msgpack.ts), no
// tables created per queue.
//
// KEYS: every band key of every queue in the call, queue by queue, highest priority first.
// ARGV[1], packed: maxKept, lposMax, scanMax, budget, queue count; per queue: band count × 64 + the band
//       (1-based) that held the next message (0 = none), that message's fingerprint ('' = none);
//       per band: previous depth × 4 + mark kind (0 = none, 1 = fingerprint, 2 = message), then
//       the mark unless kind 0.
// Reply, packed, per queue: head state (0 = empty, 1 = unchanged, 2 = changed, 3 = changed and larger
//       than maxKept); if changed its fingerprint, if 2 the message; per band: depth, position code
//       × 4 + new mark kind (0 = keep the previous mark), then the new mark unless kind 0. Position
//       code: ≥ 0 where the previous newest is now (= pushes), -1 not asked, ≤ -2 not found after
//       looking at (-2 - code) messages.
const BODY = `
local floor, min, sub, call, pcall, unpack = math.floor, math.min, string.sub, redis.call, redis.pcall, unpack
local A = cmsgpack.unpack(ARGV[1])
local maxKept, lposMax, scanMax, budget, queues = A[1], A[2], A[3], A[4], A[5]
local function fp(m) return #m .. ':' .. sub(m, -48) end
local function same(m, kind, mark)
  if kind == 2 then return m == mark end
  return fp(m) == mark
end
local function find(key, depth, kind, mark)
  if kind == 2 then
    local p = call('LPOS', key, mark, 'MAXLEN', lposMax)
    if p then return p end
    return -2 - min(depth, lposMax)
  end
  local limit, i, n = min(depth, scanMax), 0, 1
  while i < limit and budget > 0 do
    local chunk = call('LRANGE', key, i, min(i + n, limit, i + budget) - 1)
    budget = budget - #chunk
    for j = 1, #chunk do
      if fp(chunk[j]) == mark then return i + j - 1 end
    end
    if #chunk == 0 then break end
    i, n = i + #chunk, n * 4
  end
  return -2 - i
end
-- Pass 1: arguments, and the depth of every band (g = the band's index in KEYS). Bands that were
-- empty are almost always still empty (lists vanish when emptied): one EXISTS for all of them.
local depths, pds, kinds, marks, idle = {}, {}, {}, {}, {}
local qnb, qH, qmark = {}, {}, {}
local a, g, ni = 6, 0, 0
for q = 1, queues do
  local packed = A[a]
  qnb[q], qH[q], qmark[q] = floor(packed / 64), packed % 64, A[a + 1]
  a = a + 2
  for _ = 1, qnb[q] do
    g = g + 1
    local v = A[a]
    a = a + 1
    local kind = v % 4
    local pd = (v - kind) / 4
    pds[g], kinds[g] = pd, kind
    if kind > 0 then
      marks[g] = A[a]
      a = a + 1
    end
    if pd > 0 then
      depths[g] = call('LLEN', KEYS[g])
    else
      depths[g] = 0
      ni = ni + 1
      idle[ni] = KEYS[g]
    end
  end
end
if ni > 0 and call('EXISTS', unpack(idle, 1, ni)) > 0 then
  for i = 1, g do
    if pds[i] == 0 then
      local d = pcall('LLEN', KEYS[i])
      if type(d) == 'number' then depths[i] = d end -- not a list: nothing Trellis can count
    end
  end
end
-- Pass 2: per queue, the next message to run, then each band's pushes and mark.
local out, o, base = {}, 0, 0
for q = 1, queues do
  local nb, H, headMark = qnb[q], qH[q], qmark[q]
  local first = 0
  for b = 1, nb do
    if depths[base + b] > 0 then first = b; break end
  end
  local headSame, headMsg = false, nil
  if H > 0 and headMark ~= '' and depths[base + H] > 0 then
    headMsg = call('LINDEX', KEYS[base + H], -1)
    headSame = fp(headMsg) == headMark
  end
  if first == 0 then
    o = o + 1; out[o] = 0
  elseif first == H and headSame then
    o = o + 1; out[o] = 1
  else
    local h = (first == H and headMsg) or call('LINDEX', KEYS[base + first], -1)
    if #h <= maxKept then
      out[o + 1], out[o + 2], out[o + 3] = 2, fp(h), h
      o = o + 3
    else
      out[o + 1], out[o + 2] = 3, fp(h)
      o = o + 2
    end
  end
  local settled = headSame
  for b = 1, nb do
    local i = base + b
    local key, d, pd, kind, mark = KEYS[i], depths[i], pds[i], kinds[i], marks[i]
    local pos, nkind, newest = -1, 0, nil
    if d > 0 and pd > 0 and kind > 0 then
      local pushed = d - pd
      if settled and H > 0 and b >= H and pushed >= 0 then
        if pushed == 0 then
          pos = 0
        else
          local m = call('LINDEX', key, pushed)
          if m and same(m, kind, mark) then pos = pushed end
        end
      end
      if pos == -1 then pos = find(key, d, kind, mark) end
      if b == H and pos >= 0 then settled = true end
    end
    if d > 0 then
      local busy = pos <= -2 or (pos >= 0 and pd + pos > d)
      if pos == 0 then
        if kind == 2 and not busy then nkind, newest = 1, fp(mark)
        elseif kind == 1 and busy then
          local m = call('LINDEX', key, 0)
          if #m <= maxKept then nkind, newest = 2, m end
        end
      else
        local m = call('LINDEX', key, 0)
        if busy and #m <= maxKept then nkind, newest = 2, m else nkind, newest = 1, fp(m) end
      end
    end
    out[o + 1], out[o + 2] = d, pos * 4 + nkind
    o = o + 2
    if nkind > 0 then
      o = o + 1; out[o] = newest
    end
  end
  base = base + nb
end
return cmsgpack.pack(out)
`;

/** Redis ≥ 7 lets a script declare that it never writes: it then runs under maxmemory (OOM) and
 *  on read-only replicas. Older servers reject the shebang, so they get the body alone. */
const FLAGGED = `#!lua flags=no-writes\n${BODY}`;

export const PROBE_COMMAND = 'trellisQueueProbe';
const PROBE_COMMAND_FLAGGED = 'trellisQueueProbeRo';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    trellisQueueProbeBuffer(numKeys: number, ...keysAndPackedArgs: Array<string | Buffer>): Result<Buffer, Context>;
    trellisQueueProbeRoBuffer(numKeys: number, ...keysAndPackedArgs: Array<string | Buffer>): Result<Buffer, Context>;
  }
}

const registered = new WeakSet<Redis>();

/** Registers both forms of the probe on a client once (ioredis sends EVALSHA, falling back to EVAL
 *  when not cached). Call them as `…Buffer`: messages go both ways as bytes, never re-encoded. */
export function withProbeCommand(redis: Redis): Redis {
  if (!registered.has(redis)) {
    redis.defineCommand(PROBE_COMMAND, { lua: BODY });
    redis.defineCommand(PROBE_COMMAND_FLAGGED, { lua: FLAGGED });
    registered.add(redis);
  }
  return redis;
}

/** How a broker answered the probe with an error:
 *  - 'refused': it never will run it (scripting not permitted by an ACL, EVAL renamed or disabled
 *    on a managed service, a command the script uses missing): plain reads from now on;
 *  - 'for-now': it cannot right now but plain reads can (OOM before Redis 7, a replica, a band
 *    key of another type): plain reads for this sample;
 *  - null: not the script's fault (connection errors, anything else): the sample fails as usual.
 *  NOSCRIPT never reaches here (ioredis re-sends the script itself). */
export function probeRefusal(err: unknown): 'refused' | 'for-now' | null {
  if (!(err instanceof Error) || err.name !== 'ReplyError') return null;
  const m = err.message;
  if (/^NOPERM|unknown command|Unknown Redis command|scripting is disabled|not allowed from script/i.test(m)) return 'refused';
  // Errors only scripts get, which plain reads do not (a server that is BUSY or LOADING refuses
  // every command: that sample fails instead). WRONGTYPE: a band key that was a list is something
  // else now; plain reads skip it per command.
  if (/^(OOM|READONLY|MISCONF)\b|WRONGTYPE/.test(m)) return 'for-now';
  return null;
}
