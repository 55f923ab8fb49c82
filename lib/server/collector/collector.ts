import 'server-only';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Gap } from '@/lib/schemas/api';
import { decodeEventMessage } from '../celery/events';
import type { TrellisContext } from '../context';
import { logger } from '../logger';
import { toStoredEvent } from '../tasks/stored-event';
import { EventSubscriber } from './event-subscriber';
import { Flusher } from './flusher';
import { recordGap } from './gaps';
import { IngestStats } from './ingest-stats';
import { Lease, LEASE_RENEW_MS } from './lease';
import { PendingBatch } from './pending-batch';
import { findReconciliations, findStale, recheck, type ReconcileResult } from './reconcile';
import { enforceRetention } from './retention';

// The collector: while this process holds the lease it listens to the broker's event channel,
// batches what arrives, and flushes it to the store every FLUSH_MS (sooner under load). It records
// every period it could not observe as a gap and afterwards reconciles unfinished tasks against
// the result backend. Without the lease it stands by and retries, so another process takes over
// within LEASE_TTL_MS + LEASE_RENEW_MS of the holder dying.

const FLUSH_MS = 100;
const FLUSH_AT_EVENTS = 5_000;
const MAX_PENDING_EVENTS = 2_000_000;
const STATS_MS = 1_000;
const RETENTION_MS = 5_000;
const MALFORMED_SAMPLES = 50;
const WATCH_MS = 5_000;
const WATCH_FOR_S = 600;
const WATCH_MAX = 20_000;
const STALE_SWEEP_MS = 30_000;
const STALE_AFTER_S = 60;
const STALE_LIMIT = 2_000;

export interface CollectorOptions {
  onLeadershipChange?: (leader: boolean) => void;
  /** Stale sweep: how old an unfinished task must be, and how often to look (tests shorten them). */
  staleAfterS?: number;
  staleSweepMs?: number;
}

export class Collector {
  readonly token = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly stats = new IngestStats();
  private readonly lease: Lease;
  private readonly flusher: Flusher;
  private readonly subscriber: EventSubscriber;
  private pending = new PendingBatch();
  private leader = false;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private leaseTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private openGap: Gap | null = null;
  private lastMessageAt: number | null = null;
  private droppedWhileFull = 0;
  private retentionRunning = false;
  /** Tasks unfinished at a gap: re-checked against the backend until final or WATCH_FOR_S passed. */
  private readonly watched = new Map<string, number>();
  private watchRunning = false;

  constructor(
    private readonly ctx: TrellisContext,
    private readonly options: CollectorOptions = {},
  ) {
    this.lease = new Lease(ctx.store, ctx.keys.lease, this.token);
    this.flusher = new Flusher(ctx, this.stats);
    this.subscriber = new EventSubscriber(ctx, {
      onMessage: (data, at) => this.onMessage(data, at),
      onDown: (at) => this.onDown(at),
      onUp: (at, reason) => void this.onUp(at, reason),
    });
  }

  get isLeader(): boolean {
    return this.leader;
  }

  get currentGap(): Gap | null {
    return this.openGap;
  }

  /** Starts competing for the lease; resolves after the first attempt. */
  async start(): Promise<void> {
    await this.leaseTick();
  }

  private async leaseTick(): Promise<void> {
    if (this.stopped) return;
    try {
      const held = await this.lease.tryAcquireOrRenew();
      if (held && !this.leader) await this.becomeLeader();
      else if (!held && this.leader) await this.stepDown('lease taken by another process');
    } catch (err) {
      // Store unreachable: keep the current role; the subscriber records its own gap.
      logger.debug({ err: (err as Error).message }, 'lease check failed');
    }
    if (!this.stopped) this.leaseTimer = setTimeout(() => void this.leaseTick(), LEASE_RENEW_MS);
  }

  private async becomeLeader(): Promise<void> {
    this.leader = true;
    logger.info({ token: this.token }, 'collector: this process now collects');
    const now = Date.now() / 1000;
    const previous = await this.ctx.store.hgetall(this.ctx.keys.collectorStats);
    await this.flusher.loadWorkers();
    await this.subscriber.start();
    this.timers.push(setInterval(() => this.scheduleFlush(), FLUSH_MS));
    this.timers.push(setInterval(() => void this.publishStats(), STATS_MS));
    this.timers.push(setInterval(() => void this.retention(), RETENTION_MS));
    this.timers.push(setInterval(() => void this.recheckWatched(), WATCH_MS));
    this.timers.push(setInterval(() => void this.sweepStale(), this.options.staleSweepMs ?? STALE_SWEEP_MS));
    await this.publishStats();
    // A period in which nobody was collecting is a gap: from when the last collector was last alive.
    const aliveAt = Number(previous.aliveAt);
    const previousOpen = previous.openGap ? (JSON.parse(previous.openGap) as Gap) : null;
    if (previous.holder && previous.holder !== this.token && Number.isFinite(aliveAt)) {
      const start = Math.min(aliveAt, previousOpen?.start ?? aliveAt);
      const reason = previous.stoppedAt ? 'no collector running (collector stopped)' : 'no collector running (collecting process lost; lease expired)';
      await this.closeGap({ start, end: now, reason });
    }
    this.options.onLeadershipChange?.(true);
  }

  private async stepDown(reason: string): Promise<void> {
    logger.warn({ reason }, 'collector: stepping down');
    this.leader = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.subscriber.stop();
    await this.flushNow();
    this.options.onLeadershipChange?.(false);
  }

  private onMessage(data: Buffer, receivedAt: number): void {
    this.lastMessageAt = receivedAt;
    if (this.pending.size >= MAX_PENDING_EVENTS) {
      // The store has been unwritable for a long time: bound memory and say what was lost.
      this.droppedWhileFull++;
      return;
    }
    const decoded = decodeEventMessage(data, receivedAt);
    if (!decoded.ok) {
      this.stats.malformedTotal++;
      if (this.stats.malformedTotal <= MALFORMED_SAMPLES || this.stats.malformedTotal % 1000 === 0) void this.sampleMalformed(decoded.detail, data);
      return;
    }
    const { tasks, workers, ignored, malformed } = decoded.value;
    this.stats.ignoredTotal += ignored;
    this.stats.malformedTotal += malformed;
    for (const ev of tasks) this.pending.addTask(ev.uuid, toStoredEvent(ev));
    for (const ev of workers) this.pending.addWorker(ev);
    if (tasks.length + workers.length > 0) this.stats.lastEventAt = receivedAt;
    if (this.pending.size >= FLUSH_AT_EVENTS) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushing || this.pending.size === 0) return;
    this.flushing = this.runFlush().finally(() => {
      this.flushing = null;
      if (this.pending.size >= FLUSH_AT_EVENTS) this.scheduleFlush();
    });
  }

  private async runFlush(): Promise<void> {
    const batch = this.pending;
    this.pending = new PendingBatch();
    try {
      await this.flusher.flush(batch);
      if (this.droppedWhileFull > 0) {
        const n = this.droppedWhileFull;
        this.droppedWhileFull = 0;
        const now = Date.now() / 1000;
        await recordGap(this.ctx, { start: now, end: now, reason: `${n} event messages dropped: store unwritable and the pending buffer full` });
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message, events: batch.size }, 'flush failed; will retry');
      this.pending.prepend(batch);
    }
  }

  /** Flushes everything pending (waits for an in-flight flush first). */
  async flushNow(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.pending.size > 0) await this.runFlush();
  }

  private onDown(at: number): void {
    if (!this.leader || this.openGap) return;
    // Everything up to the last message we read was seen; from then on it may not have been.
    const start = this.lastMessageAt !== null && this.lastMessageAt <= at && at - this.lastMessageAt < 60 ? this.lastMessageAt : at;
    this.openGap = { start, end: null, reason: 'event subscription lost' };
    logger.warn({ at }, 'collector: event subscription lost');
  }

  private async onUp(at: number, reason: string | null): Promise<void> {
    const gap = this.openGap;
    if (!gap || !this.leader) return;
    this.openGap = null;
    await this.closeGap({ start: gap.start, end: at, reason: reason ?? gap.reason });
  }

  /** Records a closed gap, then reconciles unfinished tasks against the result backend. */
  private async closeGap(gap: Gap): Promise<void> {
    logger.warn({ gap }, 'collector: gap in observation');
    try {
      await this.flushNow();
      const found = await findReconciliations(this.ctx, Date.now() / 1000);
      await this.applyReconciliation(found);
      await recordGap(this.ctx, { ...gap, reconciled: { checked: found.checked, updated: found.events.size } });
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'could not record or reconcile a gap');
      await recordGap(this.ctx, { ...gap, reconciled: null }).catch(() => undefined);
    }
    await this.publishStats();
  }

  private async applyReconciliation(found: ReconcileResult): Promise<void> {
    for (const [id, evs] of found.events) for (const ev of evs) this.pending.addTask(id, ev);
    await this.flushNow();
    const until = Date.now() / 1000 + WATCH_FOR_S;
    for (const id of found.stillOpen) if (this.watched.size < WATCH_MAX) this.watched.set(id, until);
    for (const id of found.events.keys()) this.watched.delete(id);
  }

  private async recheckWatched(): Promise<void> {
    if (this.watchRunning || this.watched.size === 0) return;
    this.watchRunning = true;
    try {
      const now = Date.now() / 1000;
      for (const [id, until] of this.watched) if (until < now) this.watched.delete(id);
      const ids = [...this.watched.keys()];
      const found = await recheck(this.ctx, ids, now);
      const open = new Set(found.stillOpen);
      for (const id of ids) if (!open.has(id)) this.watched.delete(id);
      await this.applyReconciliation({ ...found, stillOpen: [] });
    } catch (err) {
      logger.debug({ err: (err as Error).message }, 'recheck of watched tasks failed');
    } finally {
      this.watchRunning = false;
    }
  }

  /** Unfinished tasks older than a minute, checked against the backend every 30 s (bounded). */
  private async sweepStale(): Promise<void> {
    if (this.watchRunning) return;
    this.watchRunning = true;
    try {
      const found = await findStale(this.ctx, Date.now() / 1000, this.options.staleAfterS ?? STALE_AFTER_S, STALE_LIMIT);
      if (found.events.size > 0) logger.info({ updated: found.events.size }, 'collector: reconciled tasks whose final events never arrived');
      await this.applyReconciliation({ ...found, stillOpen: [] });
    } catch (err) {
      logger.debug({ err: (err as Error).message }, 'stale sweep failed');
    } finally {
      this.watchRunning = false;
    }
  }

  private async retention(): Promise<void> {
    if (this.retentionRunning) return;
    this.retentionRunning = true;
    try {
      for (let round = 0; round < 10; round++) {
        const r = await enforceRetention(this.ctx, Date.now() / 1000);
        this.flusher.forget(r.removed);
        if (!r.more) break;
      }
    } catch (err) {
      logger.debug({ err: (err as Error).message }, 'retention round failed');
    } finally {
      this.retentionRunning = false;
    }
  }

  private async publishStats(): Promise<void> {
    const now = Date.now() / 1000;
    const lag = this.stats.lag(now);
    const fields: Record<string, string> = {
      holder: this.token,
      aliveAt: String(now),
      eventsPerSecond: String(this.stats.eventsPerSecond(now)),
      lagP50: String(lag.p50 ?? ''),
      lagP99: String(lag.p99 ?? ''),
      eventsTotal: String(this.stats.eventsTotal),
      malformedTotal: String(this.stats.malformedTotal),
      ignoredTotal: String(this.stats.ignoredTotal),
      lastEventAt: String(this.stats.lastEventAt ?? ''),
      lastFlushAt: String(this.stats.lastFlushAt ?? ''),
      openGap: this.openGap ? JSON.stringify(this.openGap) : '',
      stoppedAt: '',
    };
    try {
      await this.ctx.store.hset(this.ctx.keys.collectorStats, fields);
    } catch {
      // Store down: the next tick tries again.
    }
  }

  private async sampleMalformed(detail: string, data: Buffer): Promise<void> {
    const sample = JSON.stringify({ at: Date.now() / 1000, detail, head: data.subarray(0, 200).toString('utf8') });
    await this.ctx.store.multi().lpush(this.ctx.keys.malformedSamples, sample).ltrim(this.ctx.keys.malformedSamples, 0, MALFORMED_SAMPLES - 1).exec().catch(() => undefined);
  }

  /** Graceful stop: flush, mark the stop, release the lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    if (!this.leader) return;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.subscriber.stop();
    await this.flushNow().catch(() => undefined);
    await this.publishStats();
    await this.ctx.store.hset(this.ctx.keys.collectorStats, 'stoppedAt', String(Date.now() / 1000)).catch(() => undefined);
    await this.lease.release().catch(() => undefined);
    this.leader = false;
  }
}
