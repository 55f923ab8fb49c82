import 'server-only';
import type { TrellisContext } from '../context';
import { logger } from '../logger';
import { Collector } from './collector';

// The process-wide collector (one per process, cached on globalThis so dev reloads don't start a
// second one) and the background jobs that run only while this process holds the lease.

export interface LeaderJob {
  stop(): Promise<void>;
}

type LeaderJobFactory = (ctx: TrellisContext) => LeaderJob;

const g = globalThis as unknown as { __trellisCollector?: Collector; __trellisLeaderJobs?: LeaderJobFactory[] };

/** Registers work that must run in exactly one process (e.g. the queue sampler). */
export function registerLeaderJob(factory: LeaderJobFactory): void {
  (g.__trellisLeaderJobs ??= []).push(factory);
}

export function processCollector(): Collector | null {
  return g.__trellisCollector ?? null;
}

export async function startProcessCollector(ctx: TrellisContext): Promise<Collector> {
  if (g.__trellisCollector) return g.__trellisCollector;
  let running: LeaderJob[] = [];
  const collector = new Collector(ctx, {
    onLeadershipChange: (leader) => {
      if (leader) running = (g.__trellisLeaderJobs ?? []).map((f) => f(ctx));
      else {
        const jobs = running;
        running = [];
        void Promise.all(jobs.map((j) => j.stop()));
      }
    },
  });
  g.__trellisCollector = collector;
  await collector.start().catch((err: Error) => logger.error({ err: err.message }, 'collector failed to start; retrying'));
  return collector;
}

export async function stopProcessCollector(): Promise<void> {
  const c = g.__trellisCollector;
  g.__trellisCollector = undefined;
  if (c) await c.stop();
}
