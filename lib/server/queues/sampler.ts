import 'server-only';
import type { TrellisContext } from '../context';
import { messageTaskId } from '../celery/queue-message';
import { inspectAllCached } from '../inspect/inspect-cache';
import { logger } from '../logger';
import { discoverQueues } from './discover';
import { bandFlow, ratesOver, type FlowSample } from './flow';
import { newMeta, readMeta, type QueueMeta } from './meta';
import { encodeMinute, encodeRaw, foldMinute, isIdleMinute, MINUTE_KEEP_SECONDS, RAW_KEEP_SECONDS, type MinuteAggregate } from './series';
import { consumersFrom } from './consumers';

// The queue sampler: every `sampleIntervalSeconds`, ONE pipelined round trip to the broker reads
// every band of every queue (LLEN, the newest message for flow, LPOS of the previous newest, the
// next-to-run message for its age), then one pipeline writes the series and bookkeeping to the
// store. Queue discovery (bindings, workers) is refreshed in the background once a minute.
// Memory is bounded by the number of queues (one newest message per band, ≤ 64 KB kept).

const DISCOVERY_EVERY_MS = 60_000;
const RATE_WINDOW_SECONDS = 60;
const LPOS_MAXLEN = 10_000;
const MAX_KEPT_MESSAGE = 64 * 1024;
const MAX_QUEUES = 5_000;

interface BandState {
  depth: number;
  newest: string | null;
}
interface QueueState {
  bands: Map<number, BandState> | null;
  headBand: number | null;
  flows: FlowSample[];
  minute: MinuteAggregate | null;
  lastT: number | null;
  lastIdleRawMinute: number | null;
  meta: QueueMeta;
  metaWrittenAt: number;
}

export interface SampleStats {
  queues: number;
  brokerCommands: number;
  brokerMs: number;
  storeMs: number;
}

export interface QueueSampler {
  stop(): Promise<void>;
  /** One sample now (tests and the benchmark drive it directly). */
  sampleOnce(): Promise<SampleStats>;
  /** Re-discovers queues now. */
  refresh(): Promise<void>;
}

export function startQueueSampler(ctx: TrellisContext, opts: { autostart?: boolean } = {}): QueueSampler {
  const states = new Map<string, QueueState>();
  let lastDiscovery = 0;
  let discovering: Promise<void> | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let lastError = 0;

  async function refresh(): Promise<void> {
    const now = Date.now() / 1000;
    const aq = await inspectAllCached(ctx, 'active_queues', { fresh: true }).catch(() => null);
    const consumers = aq ? consumersFrom(aq) : new Map<string, string[]>();
    const found = await discoverQueues(ctx, consumers);
    const names = [...found.sources.keys()].slice(0, MAX_QUEUES);
    const fresh = names.filter((q) => !states.has(q));
    const stored = await readMeta(ctx, fresh);
    for (const q of fresh) {
      states.set(q, {
        bands: null, headBand: null, flows: [], minute: null, lastT: null, lastIdleRawMinute: null,
        meta: stored.get(q) ?? newMeta(now), metaWrittenAt: stored.has(q) ? now : 0,
      });
    }
    for (const q of states.keys()) if (!found.sources.has(q)) states.delete(q);
    for (const [q, hosts] of consumers) {
      const s = states.get(q);
      if (s && hosts.length > 0) s.meta.lastConsumer = now;
    }
    lastDiscovery = Date.now();
  }

  async function sampleOnce(): Promise<SampleStats> {
    if (states.size === 0 || Date.now() - lastDiscovery > DISCOVERY_EVERY_MS) {
      discovering ??= refresh().finally(() => (discovering = null));
      if (states.size === 0) await discovering;
    }
    const t = Date.now() / 1000;
    const plan = [...states.entries()].map(([q, s]) => ({ q, s, bands: ctx.celery.queueBandKeys(q) }));
    const pipe = ctx.broker.pipeline();
    let n = 0;
    const idx: Array<{ llen: number; newest: number | null; lpos: number | null }[]> = [];
    const headIdx: Array<number | null> = [];
    for (const { s, bands } of plan) {
      idx.push(
        bands.map((b) => {
          const before = s.bands?.get(b.step);
          const prev = before?.newest ?? null;
          // Bands empty at the last sample cost one LLEN: most priority bands are usually empty.
          const wantNewest = !before || before.depth > 0;
          const at = { llen: n++, newest: wantNewest ? n++ : null, lpos: prev !== null ? n++ : null };
          pipe.llen(b.key);
          if (wantNewest) pipe.lindex(b.key, 0);
          if (prev !== null) pipe.lpos(b.key, prev, 'MAXLEN', LPOS_MAXLEN);
          return at;
        }),
      );
      const hb = s.headBand !== null ? bands.find((b) => b.step === s.headBand) : undefined;
      if (hb) pipe.lindex(hb.key, -1);
      headIdx.push(hb ? n++ : null);
    }
    const t0 = Date.now();
    const res = n > 0 ? ((await pipe.exec()) ?? []) : [];
    const brokerMs = Date.now() - t0;
    const val = (i: number | null): unknown => (i === null ? undefined : (res[i]?.[0] ? undefined : res[i]?.[1]));

    const write = ctx.store.pipeline();
    const minuteNow = Math.floor(t / 60);
    plan.forEach(({ q, s, bands }, qi) => {
      let depth = 0;
      let flowIn = 0;
      let flowOut = 0;
      let lowerBound = false;
      const next = new Map<number, BandState>();
      bands.forEach((b, bi) => {
        const at = idx[qi]?.[bi];
        if (!at) return;
        const d = Number(val(at.llen) ?? 0) || 0;
        const newest = val(at.newest);
        const lpos = at.lpos === null ? undefined : ((val(at.lpos) as number | null | undefined) ?? null);
        const f = bandFlow(s.bands ? (s.bands.get(b.step)?.depth ?? 0) : null, { depth: d, lpos }, LPOS_MAXLEN);
        depth += d;
        flowIn += f.in;
        flowOut += f.out;
        lowerBound ||= f.lowerBound && (d > 0 || (s.bands?.get(b.step)?.depth ?? 0) > 0 || s.bands === null);
        next.set(b.step, { depth: d, newest: typeof newest === 'string' && newest.length <= MAX_KEPT_MESSAGE ? newest : null });
      });
      const firstSample = s.bands === null;
      s.bands = next;
      const nowHead = bands.find((b) => (next.get(b.step)?.depth ?? 0) > 0)?.step ?? null;
      const headRaw = val(headIdx[qi] ?? null);
      let metaChanged = false;
      if (nowHead === null) {
        if (s.meta.head) metaChanged = true;
        s.meta.head = null;
      } else if (nowHead === s.headBand && typeof headRaw === 'string') {
        const id = messageTaskId(headRaw);
        if (id && s.meta.head?.id !== id) {
          s.meta.head = { id, seenAt: t };
          metaChanged = true;
        }
      }
      s.headBand = nowHead;
      if (depth > 0) s.meta.lastNonEmpty = t;
      if (!firstSample && s.lastT !== null) {
        s.flows.push({ t, dt: t - s.lastT, in: flowIn, out: flowOut, lowerBound });
        s.flows = s.flows.filter((x) => x.t > t - RATE_WINDOW_SECONDS);
      }
      s.lastT = t;
      s.meta.rates = ratesOver(s.flows, RATE_WINDOW_SECONDS);
      s.meta.sampledAt = t;

      const active = depth > 0 || flowIn > 0 || flowOut > 0;
      if (active || s.lastIdleRawMinute !== minuteNow) {
        const rawKey = ctx.keys.queueSeries(q, 'raw');
        write.zadd(rawKey, t, encodeRaw({ t, depth, in: flowIn, out: flowOut }));
        write.expire(rawKey, RAW_KEEP_SECONDS + 120);
        if (!active) s.lastIdleRawMinute = minuteNow;
      }
      const folded = foldMinute(s.minute, { t, depth, in: flowIn, out: flowOut });
      s.minute = folded.current;
      if (folded.finished) {
        const rawKey = ctx.keys.queueSeries(q, 'raw');
        write.zremrangebyscore(rawKey, '-inf', `(${t - RAW_KEEP_SECONDS}`);
        if (!isIdleMinute(folded.finished)) {
          const minKey = ctx.keys.queueSeries(q, 'minute');
          const score = folded.finished.minute * 60;
          write.zremrangebyscore(minKey, score, score);
          write.zadd(minKey, score, encodeMinute(folded.finished));
          write.zremrangebyscore(minKey, '-inf', `(${t - MINUTE_KEEP_SECONDS}`);
          write.expire(minKey, MINUTE_KEEP_SECONDS + 3_600);
        }
      }
      if (active || metaChanged || t - s.metaWrittenAt >= 60) {
        write.hset(ctx.keys.queueMeta, q, JSON.stringify(s.meta));
        s.metaWrittenAt = t;
      }
    });
    const t1 = Date.now();
    if (write.length > 0) await write.exec();
    return { queues: plan.length, brokerCommands: n, brokerMs, storeMs: Date.now() - t1 };
  }

  const intervalMs = ctx.config.sampleIntervalSeconds * 1000;
  const loop = () => {
    if (stopped) return;
    const started = Date.now();
    running = sampleOnce()
      .catch((err: unknown) => {
        if (Date.now() - lastError > 60_000) {
          lastError = Date.now();
          logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'queue sample failed');
        }
      })
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(loop, Math.max(0, intervalMs - (Date.now() - started)));
      });
  };
  if (opts.autostart !== false) loop();

  return {
    sampleOnce,
    refresh,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await discovering;
    },
  };
}
