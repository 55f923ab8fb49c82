import 'server-only';
import type { TrellisContext } from '../context';
import { logger } from '../logger';
import type { StoredEvent } from '../tasks/stored-event';
import { findReconciliations, findStale, recheck, type ReconcileResult } from './reconcile';

// Unfinished tasks checked against the result backend: all of them after a gap, those still open
// after a gap again every few seconds for ten minutes (the watch), and old unfinished ones every
// 30 s (the stale sweep: Celery 5.2 drops final events in a race even without a gap). What the
// backend knows is fed to the collector as inferred events.

const WATCH_FOR_S = 600;
const WATCH_MAX = 20_000;
const STALE_LIMIT = 2_000;

export interface ReconcileSink {
  addEvents(events: ReadonlyMap<string, StoredEvent[]>): void;
  flushNow(): Promise<void>;
}

export class Reconciler {
  /** Tasks unfinished at a gap: re-checked until final or WATCH_FOR_S passed. */
  private readonly watched = new Map<string, number>();
  private running = false;

  constructor(
    private readonly ctx: TrellisContext,
    private readonly sink: ReconcileSink,
  ) {}

  /** After a gap: every unfinished task; returns what was checked and updated (for the gap's record). */
  async afterGap(): Promise<{ checked: number; updated: number }> {
    await this.sink.flushNow();
    const found = await findReconciliations(this.ctx, Date.now() / 1000);
    await this.apply(found);
    return { checked: found.checked, updated: found.events.size };
  }

  async recheckWatched(): Promise<void> {
    if (this.running || this.watched.size === 0) return;
    await this.exclusive(async () => {
      const now = Date.now() / 1000;
      for (const [id, until] of this.watched) if (until < now) this.watched.delete(id);
      const ids = [...this.watched.keys()];
      const found = await recheck(this.ctx, ids, now);
      const open = new Set(found.stillOpen);
      for (const id of ids) if (!open.has(id)) this.watched.delete(id);
      await this.apply({ ...found, stillOpen: [] });
    });
  }

  /** Unfinished tasks older than `olderThanS` (bounded), checked against the backend. */
  async sweepStale(olderThanS: number): Promise<void> {
    if (this.running) return;
    await this.exclusive(async () => {
      const found = await findStale(this.ctx, Date.now() / 1000, olderThanS, STALE_LIMIT);
      if (found.events.size > 0) logger.info({ updated: found.events.size }, 'collector: reconciled tasks whose final events never arrived');
      await this.apply({ ...found, stillOpen: [] });
    });
  }

  private async exclusive(work: () => Promise<void>): Promise<void> {
    this.running = true;
    try {
      await work();
    } finally {
      this.running = false;
    }
  }

  private async apply(found: ReconcileResult): Promise<void> {
    this.sink.addEvents(found.events);
    await this.sink.flushNow();
    const until = Date.now() / 1000 + WATCH_FOR_S;
    for (const id of found.stillOpen) if (this.watched.size < WATCH_MAX) this.watched.set(id, until);
    for (const id of found.events.keys()) this.watched.delete(id);
  }
}
