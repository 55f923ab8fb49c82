import 'server-only';
import { z } from 'zod';
import type { LeaderJobDefinition } from '../collector/leader-job';
import type { TrellisContext } from '../context';
import { inspectAll } from '../inspect/inspect';
import { execOrThrow, type WriteBatch } from '../store/write-batch';

// Worker resources that heartbeats do not carry: resident memory (rusage.maxrss) and pool size,
// from one `inspect stats` broadcast a minute by the collecting process, kept as a short series per
// worker (the memory-growth and load-skew rules read it; every process can show it).

export const RESOURCE_SAMPLE_MS = 60_000;
/** Two hours of minute samples per worker. */
const MAX_SAMPLES = 120;

const StoredSchema = z.object({
  concurrency: z.number().nullable(),
  /** [epoch seconds, maxrss in kB] */
  samples: z.array(z.tuple([z.number(), z.number()])),
});
export type WorkerResources = z.infer<typeof StoredSchema>;

const StatsReply = z.looseObject({
  pool: z.looseObject({ 'max-concurrency': z.number().optional() }).optional(),
  rusage: z.looseObject({ maxrss: z.number().optional() }).optional(),
});

export function parseResourceStats(raw: string): WorkerResources | null {
  try {
    const parsed = StoredSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Folds one `inspect stats` reply into a worker's series. */
export function addResourceSample(before: WorkerResources | undefined, reply: unknown, at: number): WorkerResources | null {
  const stats = StatsReply.safeParse(reply);
  if (!stats.success) return null;
  const maxrss = stats.data.rusage?.maxrss;
  const samples = [...(before?.samples ?? []), ...(typeof maxrss === 'number' ? [[at, maxrss] as [number, number]] : [])].slice(-MAX_SAMPLES);
  return { concurrency: stats.data.pool?.['max-concurrency'] ?? before?.concurrency ?? null, samples };
}

export async function sampleWorkerResources(ctx: TrellisContext, batch: () => WriteBatch, known: Map<string, WorkerResources>): Promise<void> {
  const result = await inspectAll(ctx, 'stats');
  const at = Date.now() / 1000;
  const updated: Record<string, string> = {};
  for (const [hostname, r] of Object.entries(result.workers)) {
    if (r.status !== 'ok') continue;
    const next = addResourceSample(known.get(hostname), r.reply, at);
    if (!next) continue;
    known.set(hostname, next);
    updated[hostname] = JSON.stringify(next);
  }
  if (Object.keys(updated).length > 0) await execOrThrow(batch().hset(ctx.keys.workerStats, updated));
}

export const resourceSamplerJob: LeaderJobDefinition = {
  name: 'worker resource sampler',
  start(scope) {
    const known = new Map<string, WorkerResources>();
    let loaded = false;
    let running: Promise<void> | null = null;
    const step = async () => {
      if (!loaded) {
        for (const [h, raw] of Object.entries(await scope.ctx.store.hgetall(scope.ctx.keys.workerStats))) {
          const r = parseResourceStats(raw);
          if (r) known.set(h, r);
        }
        loaded = true;
      }
      await sampleWorkerResources(scope.ctx, () => scope.fence.batch(), known);
    };
    const tick = () => {
      if (running) return;
      running = step().catch(() => undefined).finally(() => (running = null));
    };
    const first = setTimeout(tick, 2_000);
    const timer = setInterval(tick, scope.options.resourceSampleMs ?? RESOURCE_SAMPLE_MS);
    return {
      async stop() {
        clearTimeout(first);
        clearInterval(timer);
        await running;
      },
    };
  },
};
