import 'server-only';
import type Redis from 'ioredis';
import type { StoreKeys } from '../store/keys';
import { redisMajorVersion } from '../redis/server-version';
import { WriteBatch, type WriteResult } from '../store/write-batch';

// Every write of the collecting process goes through its fence: one Lua script that first checks
// the lease still holds this term's token, then applies the batch. A paused or deposed collector
// (its lease expired and another took it) therefore writes nothing, atomically — no window between
// "check" and "write" as a GET-then-pipeline would leave.
//
// A write may carry a once-id: applied at most once, so a flush retried after a lost reply (applied
// by Redis, but the client timed out) neither appends its events nor bumps its counters again. The
// marker is written last, in the same script; on Redis ≥ 7 the script is declared (shebang) so an
// out-of-memory Redis refuses it before any write rather than halfway.

const BODY = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1} end
local once = ARGV[2]
if once ~= '' and redis.call('GET', KEYS[2]) == once then return {0, 0, ''} end
local i, n, errors, first = 4, #ARGV, 0, ''
while i <= n do
  local argc = tonumber(ARGV[i])
  local r = redis.pcall(unpack(ARGV, i + 1, i + argc))
  if type(r) == 'table' and r.err then
    errors = errors + 1
    if first == '' then first = r.err end
  end
  i = i + argc + 1
end
if once ~= '' then redis.call('SET', KEYS[2], once, 'PX', ARGV[3]) end
return {1, errors, first}
`;
const DECLARED = `#!lua\n${BODY}`;

/** Once-ids are kept a day: far longer than any retry of the write they guard. */
const ONCE_TTL_MS = 86_400_000;

export class FencedOutError extends Error {
  constructor() {
    super('fenced out: the collector lease is held by another term');
    this.name = 'FencedOutError';
  }
}

export class Fence {
  constructor(
    private readonly store: Redis,
    private readonly keys: Pick<StoreKeys, 'lease' | 'lastApplied'>,
    /** The token this term wrote into the lease key. */
    readonly token: string,
  ) {}

  batch(): WriteBatch {
    return new WriteBatch((b) => this.write(b));
  }

  /** Applies the batch if this term still holds the lease; with `onceId`, at most once. */
  async write(batch: WriteBatch, onceId = ''): Promise<WriteResult> {
    const argv: Array<string | number> = [this.token, onceId, ONCE_TTL_MS];
    for (const cmd of batch.commands) argv.push(cmd.length, ...cmd);
    const script = ((await redisMajorVersion(this.store)) ?? 0) >= 7 ? DECLARED : BODY;
    const reply = (await this.store.eval(script, 2, this.keys.lease, this.keys.lastApplied, ...argv)) as [number, number?, string?];
    if (reply[0] === -1) throw new FencedOutError();
    return { applied: reply[0] === 1, commandErrors: reply[1] ?? 0, firstCommandError: reply[2] || null };
  }
}
