import 'server-only';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Gap } from '@/lib/schemas/api';
import type { TrellisContext } from '../context';
import { LEADER_JOBS } from '../leader-jobs';
import { logger } from '../logger';
import { backoffMs } from '../redis/client';
import type { StoredEvent } from '../tasks/stored-event';
import { encodeCollectorStats, readCollectorStats } from './collector-stats';
import { Fence, FencedOutError } from './fence';
import { Flusher, type PreparedFlush } from './flusher';
import { appendGap } from './gaps';
import { IngestChannel } from './ingest/ingest-channel';
import type { IngestBatch } from './ingest/messages';
import { IngestStats } from './ingest-stats';
import type { LeaderJob, LeaderJobDefinition, LeaderScope } from './leader-job';
import { Lease, LEASE_RENEW_MS, STANDBY_POLL_MS } from './lease';
import { PendingBatch } from './pending-batch';
import { Reconciler } from './reconciler';

// The collector is a lease and an ingest. While this process holds the lease (one term), the ingest
// thread reads the broker's event channel and hands decoded batches over; they are buffered (bounded)
// and flushed to the store every FLUSH_MS (sooner under load) through the term's fence. Everything
// else the collecting process does is a leader job (lib/server/leader-jobs.ts). Every period nobody
// observed is recorded as a gap and followed by reconciliation against the result backend.
//
// A term is all or nothing: if any step of becoming leader fails, the lease is released and the
// process retries later. A holder that is not collecting (no subscription, or flushes failing) for
// NOT_COLLECTING_LIMIT_MS gives the lease up so another process can take over.

const FLUSH_MS = 100;
const FLUSH_AT_EVENTS = 5_000;
/** Tasks per flush: bounds one fenced script's size and the time Redis spends in it. */
const FLUSH_MAX_TASKS = 5_000;
/** The collector's own buffer; past it the ingest thread keeps messages raw in its backlog. */
const MAX_PENDING_EVENTS = 50_000;
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
const STATS_MS = 1_000;
const MALFORMED_SAMPLES = 50;
const NOT_COLLECTING_LIMIT_MS = 10_000;
/** After failing to become leader or giving the lease up, let others try first. */
const RETRY_LEADERSHIP_MS = 10_000;
const STOP_FLUSH_LIMIT_MS = 5_000;

export interface CollectorOptions {
  onLeadershipChange?: (leader: boolean) => void;
  /** The leader jobs of each term (default: every one, lib/server/leader-jobs.ts). */
  jobs?: readonly LeaderJobDefinition[];
  /** Events held for the next flush before the ingest thread is told to wait (tests lower it). */
  maxPendingEvents?: number;
  /** Stale sweep: how old an unfinished task must be, and how often to look (tests shorten them). */
  staleAfterS?: number;
  staleSweepMs?: number;
  /** How often to sample worker resources and evaluate alert rules (tests shorten them). */
  resourceSampleMs?: number;
  alertIntervalMs?: number;
  /** Durable revokes (actions/revoke-job.ts): new-worker check, pruning and re-send intervals. */
  revokeCheckMs?: number;
  revokePruneMs?: number;
  revokeResendMs?: number;
}

interface Term {
  fence: Fence;
  flusher: Flusher;
  ingest: IngestChannel;
  reconciler: Reconciler;
  timers: NodeJS.Timeout[];
  jobs: LeaderJob[];
  /** False once the term ended: its flushes stop retrying, its writes are fenced anyway. */
  active: boolean;
}

export class Collector {
  readonly holderId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly stats = new IngestStats();
  private readonly lease: Lease;
  private term: Term | null = null;
  private pending = new PendingBatch();
  private stopped = false;
  private leaseTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private flushSeq = 0;
  private flushFailingSince: number | null = null;
  private notCollectingSince: number | null = null;
  private retryLeadershipAt = 0;
  private openGap: Gap | null = null;
  private lastMessageAt: number | null = null;
  private readonly jobs: readonly LeaderJobDefinition[];
  private readonly ingest: IngestChannel;

  constructor(
    private readonly ctx: TrellisContext,
    private readonly options: CollectorOptions = {},
  ) {
    this.lease = new Lease(ctx.store, ctx.keys.lease, this.holderId);
    this.jobs = options.jobs ?? LEADER_JOBS;
    const maxPendingEvents = options.maxPendingEvents ?? MAX_PENDING_EVENTS;
    this.ingest = new IngestChannel(
      { broker: ctx.config.broker, pattern: ctx.celery.eventPattern, backlogLimitBytes: ctx.config.ingestBacklogBytes },
      {
        onBatch: (b) => this.onBatch(b),
        onDown: (at) => this.onDown(at),
        onUp: (at, reason) => void this.onUp(at, reason),
        onOverflow: (start, end, dropped) => void this.onOverflow(start, end, dropped),
      },
      () => this.pending.size < maxPendingEvents && this.pending.bytes < MAX_PENDING_BYTES,
    );
  }

  get isLeader(): boolean {
    return this.term !== null;
  }

  /** Starts competing for the lease; resolves after the first attempt. */
  async start(): Promise<void> {
    // The ingest thread starts now, standby or not, so that taking over does not wait for it.
    await this.ingest.boot().catch((err: Error) => logger.error({ err: err.message }, 'ingest thread did not start'));
    await this.leaseTick();
  }

  // ---- leadership --------------------------------------------------------------------------------

  private async leaseTick(): Promise<void> {
    if (this.stopped) return;
    try {
      if (Date.now() >= this.retryLeadershipAt) {
        const outcome = await this.lease.tryAcquireOrRenew();
        if (outcome === 'acquired') {
          if (this.term) await this.endTerm('lease lost and acquired again: a new term');
          await this.beginTerm();
        } else if (outcome === 'held-elsewhere' && this.term) {
          await this.endTerm('lease taken by another process');
        } else if (outcome === 'renewed') {
          await this.checkCollecting();
        }
      }
    } catch (err) {
      // Store unreachable: keep the current role (writes are fenced); the ingest records its own gap.
      logger.debug({ err: (err as Error).message }, 'lease check failed');
    }
    if (!this.stopped) this.leaseTimer = setTimeout(() => void this.leaseTick(), this.term ? LEASE_RENEW_MS : STANDBY_POLL_MS);
  }

  /** All or nothing: a failed step ends the term and releases the lease. */
  private async beginTerm(): Promise<void> {
    const token = this.lease.token;
    if (!token) return;
    const fence = new Fence(this.ctx.store, this.ctx.keys, token);
    const flusher = new Flusher(this.ctx, this.stats);
    const reconciler = new Reconciler(this.ctx, { addEvents: (evs) => this.addEvents(evs), flushNow: () => this.flushNow() });
    const ingest = this.ingest;
    const term: Term = { fence, flusher, ingest, reconciler, timers: [], jobs: [], active: true };
    // Caches and buffers of any earlier term are void: another process may have written since.
    this.pending = new PendingBatch();
    this.openGap = null;
    this.flushFailingSince = null;
    this.notCollectingSince = null;
    this.term = term;
    try {
      logger.info({ term: token }, 'collector: this process now collects');
      const now = Date.now() / 1000;
      const previous = await readCollectorStats(this.ctx);
      await flusher.loadWorkers();
      await ingest.listen();
      if (!ingest.listening) throw new Error('could not subscribe to the event channel');
      term.timers.push(setInterval(() => this.scheduleFlush(term), FLUSH_MS));
      term.timers.push(setInterval(() => void this.publishStats(term), STATS_MS));
      await this.publishStats(term);
      // A period in which nobody was collecting is a gap: from when the last collector was last alive.
      if (previous.holder && previous.holder !== token && previous.aliveAt !== null) {
        const start = Math.min(previous.aliveAt, previous.openGap?.start ?? previous.aliveAt);
        const reason = previous.stoppedAt !== null ? 'no collector running (collector stopped)' : 'no collector running (collecting process lost; lease expired)';
        await this.closeGap(term, { start, end: now, reason });
      }
      term.jobs = this.jobs.map((job) => job.start(this.scopeOf(term)));
      this.options.onLeadershipChange?.(true);
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'collector: could not become leader; releasing the lease and retrying later');
      await this.endTerm('becoming leader failed', { release: true });
      this.retryLeadershipAt = Date.now() + RETRY_LEADERSHIP_MS;
    }
  }

  private scopeOf(term: Term): LeaderScope {
    return {
      ctx: this.ctx,
      fence: term.fence,
      reconciler: term.reconciler,
      forgetTasks: (ids) => term.flusher.forget(ids),
      forgetWorkers: (hosts) => term.flusher.forgetWorkers(hosts),
      addEvents: (evs) => this.addEvents(evs),
      options: { staleAfterS: this.options.staleAfterS, staleSweepMs: this.options.staleSweepMs, resourceSampleMs: this.options.resourceSampleMs, alertIntervalMs: this.options.alertIntervalMs, revokeCheckMs: this.options.revokeCheckMs, revokePruneMs: this.options.revokePruneMs, revokeResendMs: this.options.revokeResendMs },
    };
  }

  /** Ends the current term. Without `release`, the lease is already someone else's (or gone). */
  private async endTerm(reason: string, opts: { release?: boolean } = {}): Promise<void> {
    const term = this.term;
    if (!term) return;
    logger.warn({ reason }, 'collector: stepping down');
    this.term = null;
    term.active = false;
    for (const t of term.timers) clearInterval(t);
    await Promise.all(term.jobs.map((j) => j.stop().catch(() => undefined)));
    await term.ingest.stop().catch(() => undefined);
    this.pending = new PendingBatch();
    if (opts.release) await this.lease.release().catch(() => undefined);
    this.options.onLeadershipChange?.(false);
  }

  /** Collecting = subscribed and able to write. Not collecting for 10 s: give the lease up. */
  private async checkCollecting(): Promise<void> {
    const term = this.term;
    if (!term) return;
    const now = Date.now();
    const failing = this.flushFailingSince !== null && now - this.flushFailingSince > NOT_COLLECTING_LIMIT_MS;
    if (term.ingest.listening && !failing) {
      this.notCollectingSince = null;
      return;
    }
    this.notCollectingSince ??= now;
    if (now - this.notCollectingSince < NOT_COLLECTING_LIMIT_MS) return;
    const why = failing ? 'the store refused writes' : 'no event subscription';
    this.openGap ??= { start: (this.lastMessageAt ?? this.notCollectingSince / 1000), end: null, reason: `collector not collecting (${why})` };
    // The open gap stays in the stats; whoever collects next closes it.
    await this.publishStats(term);
    await this.endTerm(`not collecting for ${NOT_COLLECTING_LIMIT_MS / 1000} s (${why}): giving the lease up`, { release: true });
    this.retryLeadershipAt = now + RETRY_LEADERSHIP_MS;
  }

  // ---- ingest ------------------------------------------------------------------------------------

  private onBatch(batch: IngestBatch): void {
    const term = this.term;
    if (!term) return;
    this.stats.ignoredTotal += batch.ignored;
    this.stats.malformedTotal += batch.malformed;
    for (const [id, ev] of batch.tasks) this.pending.addTask(id, ev);
    for (const ev of batch.workers) this.pending.addWorker(ev);
    this.pending.bytes += batch.bytes;
    if (batch.lastReceivedAt !== null) {
      this.stats.lastEventAt = batch.lastReceivedAt;
      this.lastMessageAt = batch.lastReceivedAt;
    }
    if (batch.malformedSamples.length > 0) void this.sampleMalformed(term, batch.malformedSamples);
    if (this.pending.size >= FLUSH_AT_EVENTS) this.scheduleFlush(term);
  }

  private addEvents(events: ReadonlyMap<string, StoredEvent[]>): void {
    for (const [id, evs] of events) for (const ev of evs) this.pending.addTask(id, ev);
  }

  private scheduleFlush(term: Term): void {
    if (this.flushing || this.pending.size === 0 || !term.active) return;
    this.flushing = this.runFlush(term).finally(() => {
      this.flushing = null;
      term.ingest.payCredit();
      if (this.pending.size >= FLUSH_AT_EVENTS) this.scheduleFlush(term);
    });
  }

  /** One flush: prepared once, then written — retried with backoff, same commands and once-id — until applied. */
  private async runFlush(term: Term): Promise<void> {
    const batch = this.pending.take(FLUSH_MAX_TASKS);
    let prepared: PreparedFlush;
    try {
      prepared = await term.flusher.prepare(batch);
    } catch (err) {
      this.flushFailed(err);
      this.pending.prepend(batch);
      return;
    }
    const onceId = `${term.fence.token}:${++this.flushSeq}`;
    for (let attempt = 0; term.active; attempt++) {
      try {
        await term.flusher.apply(prepared, term.fence, onceId);
        this.flushFailingSince = null;
        return;
      } catch (err) {
        if (err instanceof FencedOutError) {
          logger.warn('collector: a flush was fenced out (another process holds the lease); stepping down');
          if (this.term === term) await this.endTerm('fenced out');
          return;
        }
        this.flushFailed(err);
        await new Promise((r) => setTimeout(r, backoffMs(attempt)));
      }
    }
  }

  private flushFailed(err: unknown): void {
    if (this.flushFailingSince === null) logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'flush failed; retrying');
    this.flushFailingSince ??= Date.now();
  }

  /** Flushes everything pending (waits for an in-flight flush first). */
  async flushNow(): Promise<void> {
    const term = this.term;
    if (this.flushing) await this.flushing;
    while (term?.active && this.pending.size > 0) {
      this.scheduleFlush(term);
      if (!this.flushing) break;
      await this.flushing;
    }
  }

  // ---- gaps --------------------------------------------------------------------------------------

  private onDown(at: number): void {
    if (!this.term || this.openGap) return;
    // Everything up to the last message we read was seen; from then on it may not have been.
    const start = this.lastMessageAt !== null && this.lastMessageAt <= at && at - this.lastMessageAt < 60 ? this.lastMessageAt : at;
    this.openGap = { start, end: null, reason: 'event subscription lost' };
    logger.warn({ at }, 'collector: event subscription lost');
  }

  private async onUp(at: number, reason: string | null): Promise<void> {
    const gap = this.openGap;
    const term = this.term;
    if (!gap || !term) return;
    this.openGap = null;
    await this.closeGap(term, { start: gap.start, end: at, reason: reason ?? gap.reason });
  }

  private async onOverflow(start: number, end: number, dropped: number): Promise<void> {
    const term = this.term;
    if (!term) return;
    const limitMb = Math.round(this.ctx.config.ingestBacklogBytes / 1024 ** 2);
    const reason = `${dropped} event messages dropped: the ingest backlog reached its bound (TRELLIS_INGEST_BACKLOG = ${limitMb} MB) because the store could not keep up`;
    await this.closeGap(term, { start, end, reason });
  }

  /** Records a closed gap, then reconciles unfinished tasks against the result backend. */
  private async closeGap(term: Term, gap: Gap): Promise<void> {
    logger.warn({ gap }, 'collector: gap in observation');
    let reconciled: Gap['reconciled'] = null;
    try {
      reconciled = await term.reconciler.afterGap();
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'could not reconcile after a gap');
    }
    await appendGap(term.fence.batch(), this.ctx.keys, { ...gap, reconciled })
      .exec()
      .catch((err: Error) => logger.error({ err: err.message, gap }, 'could not record a gap'));
    await this.publishStats(term);
  }

  // ---- reporting ---------------------------------------------------------------------------------

  private async publishStats(term: Term, extra: { stoppedAt?: number } = {}): Promise<void> {
    const now = Date.now() / 1000;
    const lag = this.stats.lag(now);
    const ingest = term.ingest.status;
    const fields = encodeCollectorStats({
      holder: term.fence.token,
      aliveAt: now,
      stoppedAt: extra.stoppedAt ?? null,
      eventsPerSecond: this.stats.eventsPerSecond(now),
      lagP50: lag.p50,
      lagP99: lag.p99,
      eventsTotal: this.stats.eventsTotal,
      malformedTotal: this.stats.malformedTotal,
      ignoredTotal: this.stats.ignoredTotal,
      lastEventAt: this.stats.lastEventAt,
      lastFlushAt: this.stats.lastFlushAt,
      openGap: this.openGap,
      backlogBytes: (ingest?.backlogBytes ?? 0) + this.pending.bytes,
      backlogMessages: ingest?.backlogMessages ?? 0,
      backlogPeakBytes: ingest?.backlogPeakBytes ?? 0,
      backlogLimitBytes: this.ctx.config.ingestBacklogBytes,
      backlogOldestAt: ingest?.backlogOldestAt ?? null,
      droppedMessages: ingest?.droppedMessages ?? 0,
    });
    try {
      await term.fence.batch().hset(this.ctx.keys.collectorStats, fields).exec();
    } catch {
      // Store down or fenced out: the next tick tries again (or the lease check steps down).
    }
  }

  private async sampleMalformed(term: Term, samples: IngestBatch['malformedSamples']): Promise<void> {
    const at = Date.now() / 1000;
    const lines = samples.map((s) => JSON.stringify({ at, ...s }));
    await term.fence
      .batch()
      .lpush(this.ctx.keys.malformedSamples, ...lines)
      .ltrim(this.ctx.keys.malformedSamples, 0, MALFORMED_SAMPLES - 1)
      .exec()
      .catch(() => undefined);
  }

  /** Graceful stop (SIGTERM): stop listening, store what was read, mark the stop, release the lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    const term = this.term;
    if (!term) return void (await this.ingest.terminate());
    await Promise.all(term.jobs.map((j) => j.stop().catch(() => undefined)));
    term.jobs = [];
    await term.ingest.stop().catch(() => undefined);
    // Bounded: a store that refuses writes must not hold the stop (ending the term ends the retries).
    await Promise.race([this.flushNow(), new Promise((r) => setTimeout(r, STOP_FLUSH_LIMIT_MS))]);
    await this.publishStats(term, { stoppedAt: Date.now() / 1000 });
    await this.endTerm('stopping', { release: true });
    await this.ingest.terminate();
  }
}
