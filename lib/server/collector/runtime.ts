import 'server-only';
import type { TrellisContext } from '../context';
import { logger } from '../logger';
import { Collector } from './collector';

// The process-wide collector (one per process, cached on globalThis so dev reloads don't start a
// second one), and its graceful stop on SIGTERM/SIGINT: the lease is released
// at once, so another process takes over within a second instead of waiting for it to expire.

const g = globalThis as unknown as { __trellisCollector?: Collector; __trellisSignals?: boolean };

export function processCollector(): Collector | null {
  return g.__trellisCollector ?? null;
}

export async function startProcessCollector(ctx: TrellisContext): Promise<Collector> {
  if (g.__trellisCollector) return g.__trellisCollector;
  const collector = new Collector(ctx);
  g.__trellisCollector = collector;
  await collector.start().catch((err: Error) => logger.error({ err: err.message }, 'collector failed to start; retrying'));
  return collector;
}

export async function stopProcessCollector(): Promise<void> {
  const c = g.__trellisCollector;
  g.__trellisCollector = undefined;
  if (c) await c.stop();
}

/** Stops the collector (releasing the lease) on SIGTERM/SIGINT, then exits. Installed once per process. */
export function stopCollectorOnSignals(): void {
  if (g.__trellisSignals) return;
  g.__trellisSignals = true;
  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping: releasing the collector lease');
    void stopProcessCollector()
      .catch((err: Error) => logger.error({ err: err.message }, 'collector stop failed'))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
