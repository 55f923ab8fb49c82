import 'server-only';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { logger } from '../../logger';
import type { FromThread, IngestBatch, IngestStatus, IngestThreadConfig } from './messages';

// The collector's end of the ingest thread: starts it, receives its batches and reports, and gives
// credit back (`ack`) only while the collector's own buffer has room — so when the store is slow the
// backlog builds up raw, bounded, in the thread instead of in the collector.

export interface IngestHandlers {
  onBatch(batch: IngestBatch): void;
  onDown(at: number): void;
  onUp(at: number, reason: string | null): void;
  onOverflow(start: number, end: number, dropped: number): void;
}

const DRAIN_LIMIT_MS = 5_000;

/** Resolved from the working directory at run time (the Next.js server bundles this module, not the thread). */
function threadPaths(): { boot: string; entry: string } {
  const dir = join(process.cwd(), 'lib', 'server', 'collector', 'ingest');
  return { boot: join(dir, 'thread-boot.mjs'), entry: join(dir, 'ingest-thread.ts') };
}

export class IngestChannel {
  private worker: Worker | null = null;
  private owed = 0;
  private drained: (() => void) | null = null;
  status: IngestStatus | null = null;

  constructor(
    private readonly config: IngestThreadConfig,
    private readonly handlers: IngestHandlers,
    /** True while the collector can take another batch now. */
    private readonly hasRoom: () => boolean,
  ) {}

  /** Starts the thread; resolves once it reported its first status (listening or not). */
  async start(): Promise<void> {
    const { boot, entry } = threadPaths();
    const worker = new Worker(boot, { workerData: { ...this.config, entry }, execArgv: ['--conditions=react-server'] });
    this.worker = worker;
    this.owed = 0;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, 10_000);
      worker.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      worker.on('message', (m: FromThread) => {
        if (m.type === 'status' && this.status === null) {
          clearTimeout(timer);
          this.status = m;
          resolve();
        }
        this.receive(m);
      });
    });
    worker.on('error', (err) => logger.error({ err: err.message }, 'ingest thread failed'));
    worker.on('exit', (code) => {
      if (this.worker === worker && code !== 0) {
        this.worker = null;
        logger.error({ code }, 'ingest thread exited');
        this.handlers.onDown(Date.now() / 1000);
      }
    });
    await ready;
  }

  get running(): boolean {
    return this.worker !== null;
  }

  get listening(): boolean {
    return this.worker !== null && (this.status?.listening ?? false);
  }

  private receive(m: FromThread): void {
    switch (m.type) {
      case 'batch':
        this.handlers.onBatch(m);
        this.owed++;
        this.payCredit();
        break;
      case 'status':
        this.status = m;
        break;
      case 'down':
        this.handlers.onDown(m.at);
        break;
      case 'up':
        this.handlers.onUp(m.at, m.reason);
        break;
      case 'overflow':
        this.handlers.onOverflow(m.start, m.end, m.dropped);
        break;
      case 'drained':
        this.drained?.();
        break;
    }
  }

  /** Called after the collector's buffer shrank (a flush): hands back the credit it held. */
  payCredit(): void {
    while (this.owed > 0 && this.worker && this.hasRoom()) {
      this.owed--;
      this.worker.postMessage({ type: 'ack' });
    }
  }

  /** Stops listening, takes what the thread still holds (bounded in time), then ends the thread. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const done = new Promise<void>((resolve) => {
      this.drained = resolve;
      setTimeout(resolve, DRAIN_LIMIT_MS);
    });
    worker.postMessage({ type: 'drain' });
    await done;
    this.drained = null;
    this.worker = null;
    this.status = null;
    await worker.terminate();
  }
}
