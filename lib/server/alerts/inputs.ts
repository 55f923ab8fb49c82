import 'server-only';
import type { Gap } from '@/lib/schemas/api';
import { decodeCollectorStats, type CollectorStats } from '../collector/collector-stats';
import type { TrellisContext } from '../context';
import { discoveryStatus, parseDiscoveryState } from '../queues/discovery-status';
import type { StoredSnapshot } from '../queues/snapshot-store';
import type { DiscoveryStatus } from '../queues/types';
import { parseWorkerDoc, type WorkerDoc } from '../workers/worker-doc';
import { parseResourceStats, type WorkerResources } from '../workers/resource-sampler';
import { parseStoredSnapshot } from '../queues/snapshot-store';

// Everything the rules read, from the store only (what the collector, the queue sampler and the
// resource sampler already hold): one pipelined round trip per cycle, whatever the number of rules,
// queues, workers or task names. Stuck-task candidates take a second, bounded one (stuck.ts).

/** The oldest STARTED tasks examined per cycle (by first-seen time). */
export const STARTED_SCAN = 200;
const GAPS_READ = 20;

export interface AlertInputs {
  now: number;
  snapshot: StoredSnapshot | null;
  workers: WorkerDoc[];
  resources: Map<string, WorkerResources>;
  /** Per-minute counter hashes, newest last, `minutes` of them ending with the current minute. */
  minuteCounters: Array<Record<string, string>>;
  collector: CollectorStats;
  gaps: Gap[];
  discovery: DiscoveryStatus;
  /** Refs and first-seen times of the oldest STARTED tasks. */
  started: Array<{ ref: string; firstSeen: number }>;
  /** Filled by the evaluator from its own memory: recent depth samples per queue (depth-history.ts). */
  depthHistory: Map<string, DepthSample[]>;
  /** Filled by the evaluator (stuck.ts): STARTED tasks past the smallest threshold, with their name's p99. */
  longRunning: LongRunningTask[];
}

export interface DepthSample {
  t: number;
  depth: number;
  /** Messages taken per second at that sample. */
  out: number;
}

export interface LongRunningTask {
  id: string;
  name: string | null;
  worker: string | null;
  queue: string | null;
  started: number;
  /** p99 runtime of its task name over the last hour of successful runs (null: none known). */
  p99: number | null;
}

/**
 * Minute counter hashes already read: a minute read once it had been over for LATE_S hardly changes
 * (only late events), so it is read again only every MINUTE_REFRESH_S, not every cycle.
 */
export class MinuteCache {
  private readonly entries = new Map<number, { fields: Record<string, string>; at: number }>();

  fresh(minute: number, now: number): Record<string, string> | undefined {
    const e = this.entries.get(minute);
    return e && e.at >= (minute + 1) * 60 + LATE_S && now - e.at < MINUTE_REFRESH_S ? e.fields : undefined;
  }

  put(minute: number, fields: Record<string, string>, now: number, oldest: number): void {
    this.entries.set(minute, { fields, at: now });
    for (const m of this.entries.keys()) if (m < oldest) this.entries.delete(m);
  }
}

const MINUTE_REFRESH_S = 300;
/** Events of a minute that arrive this long after it ended are picked up at the next refresh only. */
const LATE_S = 15;

export interface ReadOptions {
  minutes: number;
  now?: number;
  cache?: MinuteCache;
  /** Resource samples change once a minute: pass the last ones to skip reading them this cycle. */
  resources?: Map<string, WorkerResources>;
}

export async function readAlertInputs(ctx: TrellisContext, opts: ReadOptions): Promise<AlertInputs> {
  const now = opts.now ?? Date.now() / 1000;
  const k = ctx.keys;
  const lastMinute = Math.floor(now / 60);
  const pipe = ctx.store.pipeline();
  pipe.get(k.queueSnapshot);
  pipe.hgetall(k.workers);
  if (opts.resources) pipe.echo('');
  else pipe.hgetall(k.workerStats);
  pipe.hgetall(k.collectorStats);
  pipe.lrange(k.gaps, 0, GAPS_READ - 1);
  pipe.hgetall(k.queueDiscovery);
  pipe.zrange(k.index('state', 'STARTED'), 0, STARTED_SCAN - 1, 'WITHSCORES');
  const minutes = Array.from({ length: opts.minutes }, (_, i) => lastMinute - opts.minutes + 1 + i);
  const toRead = minutes.filter((m) => !opts.cache?.fresh(m, now));
  for (const m of toRead) pipe.hgetall(k.minute(m));
  const res = (await pipe.exec()) ?? [];
  const failed = res.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
  const at = <T>(i: number) => res[i]?.[1] as T;
  const startedFlat = at<string[]>(6) ?? [];
  const started: AlertInputs['started'] = [];
  for (let i = 0; i + 1 < startedFlat.length; i += 2) started.push({ ref: startedFlat[i] ?? '', firstSeen: Number(startedFlat[i + 1]) });
  return {
    now,
    snapshot: parsedOnce(`${k.prefix}snapshot`, at<string | null>(0) ?? '', parseStoredSnapshot),
    workers: Object.values(at<Record<string, string>>(1) ?? {}).flatMap((raw) => parseWorkerDoc(raw) ?? []),
    resources: opts.resources ?? new Map(Object.entries(at<Record<string, string>>(2) ?? {}).flatMap(([h, raw]) => {
      const r = parsedOnce(`${k.prefix}resources:${h}`, raw, parseResourceStats);
      return r ? [[h, r] as const] : [];
    })),
    collector: decodeCollectorStats(at<Record<string, string>>(3) ?? {}),
    gaps: (at<string[]>(4) ?? []).flatMap((raw) => {
      try {
        return [JSON.parse(raw) as Gap];
      } catch {
        return [];
      }
    }),
    discovery: discoveryStatus(parseDiscoveryState(at<Record<string, string>>(5) ?? {})),
    started,
    minuteCounters: minuteCounters(minutes, toRead, res.slice(7).map(([, v]) => (v ?? {}) as Record<string, string>), now, opts.cache),
    depthHistory: new Map(),
    longRunning: [],
  };
}

function minuteCounters(minutes: number[], read: number[], values: Array<Record<string, string>>, now: number, cache: MinuteCache | undefined): Array<Record<string, string>> {
  const got = new Map(read.map((m, i) => [m, values[i] ?? {}]));
  for (const [m, fields] of got) cache?.put(m, fields, now, minutes[0] ?? m);
  return minutes.map((m) => got.get(m) ?? cache?.fresh(m, now) ?? {});
}

// The snapshot changes with each sample and a worker's resources once a minute, while the evaluator
// runs every few seconds: a value read again unchanged is not parsed again. One entry per key (the
// snapshot, each hostname), so the memory is that of the values themselves.
const lastParsed = new Map<string, { raw: string; value: unknown }>();

function parsedOnce<T>(key: string, raw: string, parse: (raw: string) => T): T {
  const hit = lastParsed.get(key);
  if (hit?.raw === raw) return hit.value as T;
  const value = parse(raw);
  if (lastParsed.size > 10_000) lastParsed.clear();
  lastParsed.set(key, { raw, value });
  return value;
}
