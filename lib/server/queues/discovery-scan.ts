import 'server-only';
import type { LeaderJob } from '../collector/leader-job';
import type { TrellisContext } from '../context';
import { execOrThrow, unfencedBatch, type WriteBatch } from '../store/write-batch';
import { logger } from '../logger';
import { escapeGlob } from '../redis/glob';
import { parseDiscoveryState, serializeDiscoveryState, type DiscoveryState } from './discovery-status';

// Queue discovery (protocol doc §4.3, §4.6), a leader job: a SCAN of the broker DB for the
// `_kombu.binding.<exchange>` sets that resumes where it stopped — the cursor is kept in the store,
// so a pass survives a pause, a restart or a new collecting process — in small steps: at most
// CALLS_PER_STEP × SCAN_COUNT keys examined per step, STEP_PAUSE_MS between steps, and between
// passes twice the last pass's time (5 s to 60 s: a small DB is rescanned often, for almost
// nothing; a large one at most a third of the time). A pass over 1,000,000 keys is ~100 steps:
// ~12 s (docs/benchmarks.md). Each set found is read (SSCAN, up to 10,000 members) and stored at
// once; sets no pass found any more are dropped when it ends. Every process reads the result from
// the store (bindings.ts, discovery-status.ts).

export const SCAN_COUNT = 1_000;
export const CALLS_PER_STEP = 10;
export const STEP_PAUSE_MS = 100;
/** The rest after a pass that took `passSeconds`. */
export const passRestMs = (passSeconds: number) => Math.min(60_000, Math.max(5_000, 2_000 * passSeconds));
const ERROR_PAUSE_MS = 5_000;
/** Binding sets kept per pass (one per exchange: real apps have a handful). */
const MAX_SETS = 2_000;
const SSCAN_COUNT = 1_000;
/** Members kept per binding set (queues bound to one exchange). */
const MAX_MEMBERS = 10_000;

export interface QueueDiscoveryJob extends LeaderJob {
  /** One step now; true when it ended a pass (tests drive it directly). */
  step(): Promise<boolean>;
}

/** `batch`: where the store writes go (the collector passes its fence). */
export function startQueueDiscovery(ctx: TrellisContext, opts: { autostart?: boolean; batch?: () => WriteBatch } = {}): QueueDiscoveryJob {
  const newBatch = opts.batch ?? (() => unfencedBatch(ctx.store));
  const pattern = `${escapeGlob(ctx.config.brokerKeyPrefix)}_kombu.binding.*`;
  const bindingPrefix = ctx.celery.bindingKey('');
  const replyExchange = ctx.celery.replyExchange;
  // Event-receiver, mailbox and reply bindings are kombu plumbing, not queues.
  const excluded = new Set(['celeryev', replyExchange.replace(/^reply\./, ''), replyExchange]);
  let state: DiscoveryState | null = null;
  let setsThisPass = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let lastError = 0;

  async function readMembers(exchanges: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (exchanges.length === 0) return out;
    const pipe = ctx.broker.pipeline();
    for (const ex of exchanges) pipe.sscan(ctx.celery.bindingKey(ex), '0', 'COUNT', SSCAN_COUNT);
    const res = (await pipe.exec()) ?? [];
    const more: Array<{ exchange: string; cursor: string }> = [];
    exchanges.forEach((ex, i) => {
      const [err, value] = res[i] ?? [null, null];
      if (err || !Array.isArray(value)) return;
      const [cursor, members] = value as [string, string[]];
      out.set(ex, members);
      if (cursor !== '0') more.push({ exchange: ex, cursor });
    });
    // A big set (a fanout to many queues): the rest of it, page by page, up to MAX_MEMBERS.
    for (const m of more) {
      const members = out.get(m.exchange) ?? [];
      let cursor = m.cursor;
      while (cursor !== '0' && members.length < MAX_MEMBERS) {
        const [next, page] = await ctx.broker.sscan(ctx.celery.bindingKey(m.exchange), cursor, 'COUNT', SSCAN_COUNT);
        cursor = next;
        members.push(...page);
      }
      out.set(m.exchange, [...new Set(members)].slice(0, MAX_MEMBERS));
    }
    return out;
  }

  async function endPass(s: DiscoveryState, now: number): Promise<void> {
    const [stored, seen] = await Promise.all([ctx.store.hkeys(ctx.keys.queueBindings), ctx.store.smembers(ctx.keys.queueDiscoveryPass)]);
    const seenSet = new Set(seen);
    const gone = stored.filter((ex) => !seenSet.has(ex));
    s.lastFullPassAt = now;
    s.lastPassSeconds = now - (s.passStartedAt ?? now);
    s.passStartedAt = undefined;
    s.cursor = '0';
    const write = newBatch();
    if (gone.length > 0) write.hdel(ctx.keys.queueBindings, ...gone);
    write.del(ctx.keys.queueDiscoveryPass);
    write.hset(ctx.keys.queueDiscovery, serializeDiscoveryState(s));
    await execOrThrow(write);
  }

  async function step(): Promise<boolean> {
    state ??= parseDiscoveryState(await ctx.store.hgetall(ctx.keys.queueDiscovery));
    const s = state;
    if (s.passStartedAt === undefined) {
      s.passStartedAt = Date.now() / 1000;
      s.cursor = '0';
      s.examined = 0;
      s.keysAtStart = await ctx.broker.dbsize();
      setsThisPass = 0;
      await execOrThrow(newBatch().del(ctx.keys.queueDiscoveryPass));
    }
    const found: string[] = [];
    let cursor = s.cursor;
    for (let call = 0; call < CALLS_PER_STEP; call++) {
      const [next, batch] = await ctx.broker.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      s.examined += SCAN_COUNT;
      for (const key of batch) {
        const exchange = key.slice(bindingPrefix.length);
        if (!excluded.has(exchange) && setsThisPass < MAX_SETS) {
          found.push(exchange);
          setsThisPass += 1;
        }
      }
      if (cursor === '0') break;
    }
    const members = await readMembers(found);
    const write = newBatch();
    for (const [exchange, list] of members) {
      if (list.length > 0) write.hset(ctx.keys.queueBindings, { [exchange]: JSON.stringify(list) });
      else write.hdel(ctx.keys.queueBindings, exchange);
    }
    if (found.length > 0) write.sadd(ctx.keys.queueDiscoveryPass, ...found);
    s.cursor = cursor;
    write.hset(ctx.keys.queueDiscovery, serializeDiscoveryState(s));
    await execOrThrow(write);
    if (cursor !== '0') return false;
    await endPass(s, Date.now() / 1000);
    return true;
  }

  const loop = () => {
    if (stopped) return;
    let pause = STEP_PAUSE_MS;
    running = step()
      .then((ended) => {
        if (ended) pause = passRestMs(state?.lastPassSeconds ?? 0);
      })
      .catch((err: unknown) => {
        // What the store holds may be ahead of this process: read it again before the next step.
        state = null;
        pause = ERROR_PAUSE_MS;
        if (Date.now() - lastError > 60_000) {
          lastError = Date.now();
          logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'queue discovery step failed');
        }
      })
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(loop, pause);
      });
  };
  if (opts.autostart !== false) loop();

  return {
    step,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

