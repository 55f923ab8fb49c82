import 'server-only';
import type { TrellisContext } from '../context';
import { logger } from '../logger';
import type { StoredEvent } from '../tasks/stored-event';
import type { Fence } from './fence';
import type { Reconciler } from './reconciler';

// Work that runs only in the process holding the collector lease, for one term: started when the
// term begins, stopped when it ends. Each job writes through the term's fence, so a job of a term
// that has ended (a paused process) writes nothing. The list of jobs is in lib/server/leader-jobs.ts.

export interface LeaderScope {
  ctx: TrellisContext;
  fence: Fence;
  reconciler: Reconciler;
  /** Tells the collector's caches that retention removed these (they must be read again if they return). */
  forgetTasks(ids: readonly string[]): void;
  forgetWorkers(hostnames: readonly string[]): void;
  addEvents(events: ReadonlyMap<string, StoredEvent[]>): void;
  options: { staleAfterS?: number; staleSweepMs?: number; resourceSampleMs?: number; alertIntervalMs?: number; revokeCheckMs?: number; revokePruneMs?: number; revokeResendMs?: number };
}

export interface LeaderJob {
  stop(): Promise<void>;
}

export interface LeaderJobDefinition {
  name: string;
  start(scope: LeaderScope): LeaderJob;
}

/** A job that runs `step` every `everyMs` (never two at once); a failed step is logged and retried next time. */
export function periodic(name: string, everyMs: (scope: LeaderScope) => number, step: (scope: LeaderScope) => Promise<void>): LeaderJobDefinition {
  return {
    name,
    start(scope) {
      let running: Promise<void> | null = null;
      const timer = setInterval(() => {
        if (running) return;
        running = step(scope)
          .catch((err: unknown) => logger.debug({ job: name, err: err instanceof Error ? err.message : String(err) }, 'leader job step failed'))
          .finally(() => (running = null));
      }, everyMs(scope));
      return {
        async stop() {
          clearInterval(timer);
          await running;
        },
      };
    },
  };
}
