import type Redis from 'ioredis';
import type { Result } from 'ioredis';

// Removes the messages of revoked tasks from one band of a queue, one bounded window at a time, in
// one atomic call per window (a worker popping meanwhile never sees a half-done window). A message
// is matched by its protocol-v2 `headers.id` (protocol doc §3); anything that does not decode is
// left alone.
//
// KEYS[1]: the band's list. ARGV[1]: window start (0 = the next message a worker takes, counted
// from the right), ARGV[2]: window size, ARGV[3..]: the ids to remove.
// Reply: how many messages the window held, then the ids removed.
const BODY = `
local start, size = tonumber(ARGV[1]), tonumber(ARGV[2])
local wanted = {}
for i = 3, #ARGV do wanted[ARGV[i]] = true end
local items = redis.call('LRANGE', KEYS[1], -(start + size), -(start + 1))
local out = { #items }
for j = #items, 1, -1 do
  local ok, msg = pcall(cjson.decode, items[j])
  local id = ok and type(msg) == 'table' and type(msg.headers) == 'table' and msg.headers.id or nil
  if type(id) == 'string' and wanted[id] then
    redis.call('LREM', KEYS[1], -1, items[j])
    wanted[id] = nil
    out[#out + 1] = id
  end
end
return out
`;

const COMMAND = 'trellisRevokeRemove';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    trellisRevokeRemove(key: string, start: number, size: number, ...ids: string[]): Result<Array<number | string>, Context>;
  }
}

const registered = new WeakSet<Redis>();

export function revokeRemoveScript(redis: Redis) {
  if (!registered.has(redis)) {
    redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: BODY });
    registered.add(redis);
  }
  return (key: string, start: number, size: number, ids: readonly string[]) => redis.trellisRevokeRemove(key, start, size, ...ids);
}
