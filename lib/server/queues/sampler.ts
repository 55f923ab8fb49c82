import 'server-only';
import type { TrellisContext } from '../context';
import { messageTaskId } from '../celery/queue-message';
import { inspectAllCached } from '../inspect/inspect-cache';
import { logger } from '../logger';
import { unfencedBatch, type WriteBatch } from '../store/write-batch';
import { discoverQueues } from './discover';
import { advanceArrivals, oldestArrival, type Cohort } from './arrivals';
import { bandFlow, ratesOver, type FlowSample } from './flow';
import { META_REFRESH_SECONDS, newMeta, readMeta, type QueueMeta } from './meta';
import { encodeMinute, encodeRaw, foldMinute, isIdleMinute, MINUTE_KEEP_SECONDS, RAW_HEARTBEAT_SECONDS, RAW_KEEP_SECONDS, RAW_TRIM_MARGIN_SECONDS, type MinuteAggregate } from './series';
import { consumersFrom } from './consumers';
import { queueProbes, type BandMemory, type Mark, type ProbeMode, type QueueReading } from './band-probe';
import { probeRefusal, withProbeCommand } from './probe-script';
import { redisMajorVersion } from '../redis/server-version';
import { atMostEvery } from './snapshot';
import { publishQueueSnapshot } from './snapshot-store';
import type { UnackedByQueue } from './unacked';
import type { WorkerQueueView } from './worker-view';
import { sweepStaleQueues } from './stale-sweep';

// The queue sampler: every `sampleIntervalSeconds`, ONE pipelined round trip to the broker reads
// every band of every queue (depth, which messages arrived since the last sample, the next message
// to run; band-probe.ts), then one pipeline writes the series and bookkeeping to the store. Queue
// discovery (the bindings the discovery job stored, workers) is refreshed in the background once a
// minute, when the bookkeeping of queues gone for 7 days is also removed (stale-sweep.ts). After
// each sample the whole queue list is measured and stored for every process (snapshot-store.ts),
// its workers' view and unacked counts refreshed every 30 s. Memory is bounded
// by the number of queues: a mark per band and per queue (a 60-byte fingerprint, or a message of
// ≤ 64 KB for bands consumers take from).

const DISCOVERY_EVERY_MS = 60_000;
/** The stored list's workers' view (three inspect broadcasts) and unacked counts are this fresh. */
const WORKERS_AND_UNACKED_EVERY_MS = 30_000;
const RATE_WINDOW_SECONDS = 60;
const MAX_QUEUES = 5_000;

interface QueueState {
  /** Key names, built once. */
  keys: { bands: ReadonlyArray<{ step: number; key: string }>; raw: string; minute: string };
  bands: Map<number, BandMemory> | null;
  headBand: number | null;
  head: Mark | null;
  /** Per band, when Trellis first saw its waiting messages (arrivals.ts). */
  arrivals: Map<number, Cohort[]>;
  flows: FlowSample[];
  minute: MinuteAggregate | null;
  lastT: number | null;
  /** The last raw sample written: the next is written only when it differs or a minute later. */
  lastRaw: { t: number; depth: number } | null;
  meta: QueueMeta;
  metaWrittenAt: number;
  /** The rates as last written, to tell a change from the window merely sliding. */
  ratesWritten: string;
}

export interface SampleStats {
  queues: number;
  brokerCommands: number;
  /** 'script' unless the broker refused the Lua probe. */
  mode: ProbeMode;
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

/** `batch`: where the sampler's store writes go (the collector passes its fence: a deposed process writes nothing). */
export function startQueueSampler(ctx: TrellisContext, opts: { autostart?: boolean; mode?: ProbeMode; batch?: () => WriteBatch } = {}): QueueSampler {
  const newBatch = opts.batch ?? (() => unfencedBatch(ctx.store));
  const states = new Map<string, QueueState>();
  let lastDiscovery = 0;
  let discovering: Promise<void> | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let lastError = 0;
  let mode: ProbeMode = opts.mode ?? 'script';
  withProbeCommand(ctx.broker);

  /** Redis ≥ 7 runs the probe flagged read-only (works under maxmemory and on replicas). */
  const brokerTakesScriptFlags = async (): Promise<boolean> => ((await redisMajorVersion(ctx.broker)) ?? 0) >= 7;

  /** Forget what identified each queue's messages: the other probe mode cannot use it. */
  const forgetMarks = () => {
    for (const s of states.values()) {
      s.bands = null;
      s.head = null;
      s.headBand = null;
    }
  };

  async function refresh(): Promise<void> {
    const now = Date.now() / 1000;
    const aq = await inspectAllCached(ctx, 'active_queues', { fresh: true }).catch(() => null);
    const consumers = aq ? consumersFrom(aq) : new Map<string, string[]>();
    const found = await discoverQueues(ctx, consumers);
    for (const q of await sweepStaleQueues(ctx, newBatch(), found.sources, now)) found.sources.delete(q);
    const names = [...found.sources.keys()].slice(0, MAX_QUEUES);
    const fresh = names.filter((q) => !states.has(q));
    const stored = await readMeta(ctx, fresh);
    for (const q of fresh) {
      states.set(q, {
        keys: { bands: ctx.celery.queueBandKeys(q), raw: ctx.keys.queueSeries(q, 'raw'), minute: ctx.keys.queueSeries(q, 'minute') },
        bands: null, headBand: null, head: null, arrivals: new Map(), flows: [], minute: null, lastT: null, lastRaw: null,
        meta: stored.get(q) ?? newMeta(now), metaWrittenAt: 0, ratesWritten: '',
      });
    }
    for (const q of states.keys()) if (!found.sources.has(q)) states.delete(q);
    for (const [q, hosts] of consumers) {
      const s = states.get(q);
      if (s && hosts.length > 0) s.meta.lastConsumer = now;
    }
    lastDiscovery = Date.now();
  }

  async function sampleOnce(forceMode?: ProbeMode): Promise<SampleStats> {
    if (states.size === 0 || Date.now() - lastDiscovery > DISCOVERY_EVERY_MS) {
      discovering ??= refresh()
        .catch((err: unknown) => {
          // In the background a failed discovery must not become an unhandled rejection; the
          // known queues keep being sampled and discovery is tried again next sample.
          if (states.size > 0) logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'queue discovery failed');
          else throw err;
        })
        .finally(() => (discovering = null));
      if (states.size === 0) await discovering;
    }
    const t = Date.now() / 1000;
    const plan = [...states.entries()].map(([q, s]) => ({ q, s }));
    const inputs = plan.map(({ s }) => ({ bands: s.keys.bands, prev: s.bands, head: s.head, headBand: s.headBand }));
    const usedMode = forceMode ?? mode;
    const pipe = ctx.broker.pipeline();
    const probes = queueProbes(pipe, inputs, usedMode, { noWrites: usedMode === 'script' && (await brokerTakesScriptFlags()) });
    const t0 = Date.now();
    const res = probes.commands > 0 ? ((await pipe.exec()) ?? []) : [];
    const brokerMs = Date.now() - t0;
    let readings: QueueReading[];
    try {
      readings = probes.decode(res);
    } catch (err) {
      const refusal = usedMode === 'script' ? probeRefusal(err) : null;
      if (!refusal) throw err;
      // Same readings, more bytes per sample: for the life of this process when the broker will
      // never run the script, for this sample when it cannot right now (e.g. OOM before Redis 7).
      forgetMarks();
      if (refusal === 'refused') {
        mode = 'plain';
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'broker refused the queue probe script: queue sampling uses plain reads');
      } else if (Date.now() - lastError > 60_000) {
        lastError = Date.now();
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'queue probe script not run now: this sample uses plain reads');
      }
      const stats = await sampleOnce('plain');
      if (refusal === 'for-now') forgetMarks();
      return stats;
    }

    const write = newBatch();
    const metas: Record<string, string> = {};
    // What this sample wrote is remembered only once the store took it (else it is written again).
    const onStored: Array<() => void> = [];
    plan.forEach(({ q, s }, qi) => {
      const reading = readings[qi];
      if (!reading) return;
      let depth = 0;
      let flowIn = 0;
      let flowOut = 0;
      let lowerBound = false;
      const firstSample = s.bands === null;
      const next: Map<number, BandMemory> = s.bands ?? new Map();
      for (const band of reading.bands) {
        const before = firstSample ? null : (next.get(band.step)?.depth ?? 0);
        const f = bandFlow(before, band);
        // The previous newest not found within the search: how many of the old ones left is not
        // known, so neither is since when the rest waited — start over from now (a lower bound).
        if (band.lpos === null && band.searched < band.depth) s.arrivals.delete(band.step);
        const arrived = advanceArrivals(s.arrivals.get(band.step) ?? null, f, band.depth, t);
        if (arrived.length > 0) s.arrivals.set(band.step, arrived);
        else s.arrivals.delete(band.step);
        depth += band.depth;
        flowIn += f.in;
        flowOut += f.out;
        lowerBound ||= f.lowerBound && (band.depth > 0 || (before ?? 1) > 0);
        next.set(band.step, { depth: band.depth, newest: band.newest });
      }
      s.bands = next;
      const nowHead = reading.headBand;
      let metaChanged = false;
      if (nowHead === null) {
        if (s.meta.head) metaChanged = true;
        s.meta.head = null;
      } else if (reading.headChanged) {
        const id = reading.headMessage ? messageTaskId(reading.headMessage) : null;
        if (!id) {
          // A new next message Trellis cannot read (over 64 KB, or not a task message): its wait is unknown.
          if (s.meta.head) metaChanged = true;
          s.meta.head = null;
        } else if (s.meta.head?.id !== id) {
          // Waiting since Trellis first saw it in the queue, not since it reached the head.
          s.meta.head = { id, seenAt: oldestArrival(s.arrivals.get(nowHead) ?? []) ?? t };
          metaChanged = true;
        }
      }
      s.head = reading.head;
      s.headBand = nowHead;
      if (depth > 0) s.meta.lastNonEmpty = t;
      if (!firstSample && s.lastT !== null) {
        s.flows.push({ t, dt: t - s.lastT, in: flowIn, out: flowOut, lowerBound });
        while ((s.flows[0]?.t ?? Infinity) <= t - RATE_WINDOW_SECONDS) s.flows.shift();
      }
      s.lastT = t;
      s.meta.rates = ratesOver(s.flows, RATE_WINDOW_SECONDS);
      s.meta.sampledAt = t;

      const rawKey = s.keys.raw;
      // An unchanged sample (same depth, nothing moved) is not stored; readers repeat the one before.
      // One a minute still is, so readers know the sampler ran (and a queue's series never expires).
      if (flowIn > 0 || flowOut > 0 || s.lastRaw === null || s.lastRaw.depth !== depth || t - s.lastRaw.t >= RAW_HEARTBEAT_SECONDS) {
        write.zadd(rawKey, t, encodeRaw({ t, depth, in: flowIn, out: flowOut }));
        onStored.push(() => (s.lastRaw = { t, depth }));
      }
      const folded = foldMinute(s.minute, { t, depth, in: flowIn, out: flowOut });
      const firstFold = s.minute === null;
      // Advanced once stored: after a failed write the finished minute is written with the next sample.
      onStored.push(() => (s.minute = folded.current));
      if (folded.finished || firstFold) {
        // Trimming and expiry once a minute, not every sample: the key outlives its window by 2 min.
        write.expire(rawKey, RAW_KEEP_SECONDS + RAW_TRIM_MARGIN_SECONDS + 120);
        write.zremrangebyscore(rawKey, '-inf', `(${t - RAW_KEEP_SECONDS - RAW_TRIM_MARGIN_SECONDS}`);
      }
      if (folded.finished) {
        if (!isIdleMinute(folded.finished)) {
          const minKey = s.keys.minute;
          const score = folded.finished.minute * 60;
          write.zremrangebyscore(minKey, score, score);
          write.zadd(minKey, score, encodeMinute(folded.finished));
          write.zremrangebyscore(minKey, '-inf', `(${t - MINUTE_KEEP_SECONDS}`);
          write.expire(minKey, MINUTE_KEEP_SECONDS + 3_600);
        }
      }
      // Bookkeeping only when something in it changed (or once a minute): the time of each sample
      // is written once for all queues (queueSampledAt), and readers take it (meta.ts parseMeta).
      const rates = s.meta.rates ? `${s.meta.rates.inPerSecond.toFixed(4)},${s.meta.rates.outPerSecond.toFixed(4)},${s.meta.rates.lowerBound}` : '';
      if (flowIn > 0 || flowOut > 0 || metaChanged || rates !== s.ratesWritten || t - s.metaWrittenAt >= META_REFRESH_SECONDS) {
        metas[q] = JSON.stringify(s.meta);
        onStored.push(() => {
          s.metaWrittenAt = t;
          s.ratesWritten = rates;
        });
      }
    });
    if (Object.keys(metas).length > 0) write.hset(ctx.keys.queueMeta, metas);
    write.set(ctx.keys.queueSampledAt, String(t));
    const t1 = Date.now();
    const stored = await write.exec();
    if (stored.commandErrors > 0) throw new Error(`store refused ${stored.commandErrors} writes: ${stored.firstCommandError}`);
    for (const commit of onStored) commit();
    return { queues: plan.length, brokerCommands: probes.commands, mode: usedMode, brokerMs, storeMs: Date.now() - t1 };
  }

  const pace = { workers: atMostEvery<WorkerQueueView>(WORKERS_AND_UNACKED_EVERY_MS), unacked: atMostEvery<UnackedByQueue>(WORKERS_AND_UNACKED_EVERY_MS) };
  const intervalMs = ctx.config.sampleIntervalSeconds * 1000;
  const loop = () => {
    if (stopped) return;
    const started = Date.now();
    running = sampleOnce()
      .then(() => publishQueueSnapshot(ctx, { pace, batch: newBatch }))
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
