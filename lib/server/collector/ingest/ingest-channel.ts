import 'server-only';
import { sep } from 'node:path';
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

/**
 * Resolved from the working directory at run time: the Next.js server bundles this module but not the
 * thread, and a path the bundler can trace would make it pull the whole project into the build.
 */
function threadPaths(): { boot: string; entry: string } {
  const dir = [/* turbopackIgnore: true */ process.cwd(), 'lib', 'server', 'collector', 'ingest'].join(sep);
  return { boot: [dir, 'thread-boot.mjs'].join(sep), entry: [dir, 'ingest-thread.ts'].join(sep) };
}

export class IngestChannel {
  private worker: Worker | null = null;
  private booting: Promise<Worker> | null = null;
  private owed = 0;
  private up = false;
  private onUpOnce: (() => void) | null = null;
  private drained: (() => void) | null = null;
  status: IngestStatus | null = null;

  constructor(
    private readonly config: IngestThreadConfig,
    private readonly handlers: IngestHandlers,
    /** True while the collector can take another batch now. */
    private readonly hasRoom: () => boolean,
  ) {}

  /** Starts the thread (once per process; a standby does it ahead so a takeover is quick). */
  boot(): Promise<Worker> {
    this.booting ??= new Promise<Worker>((resolve, reject) => {
      const { boot, entry } = threadPaths();
      const worker = new Worker(boot, { workerData: { ...this.config, entry }, execArgv: ['--conditions=react-server'] });
      worker.once('error', reject);
      worker.on('error', (err) => logger.error({ err: err.message }, 'ingest thread failed'));
      worker.on('message', (m: FromThread) => {
        if (m.type === 'status' && this.worker !== worker) {
          this.worker = worker;
          resolve(worker);
        }
        this.receive(m);
      });
      worker.on('exit', (code) => {
        if (this.worker !== worker) return;
        this.worker = null;
        this.booting = null;
        if (this.up) {
          this.up = false;
          logger.error({ code }, 'ingest thread exited');
          this.handlers.onDown(Date.now() / 1000);
        }
      });
    });
    this.booting.catch(() => (this.booting = null));
    return this.booting;
  }

  /** Subscribes; resolves once listening (or after a bound, when the broker cannot be reached). */
  async listen(): Promise<void> {
    const worker = await this.boot();
    this.owed = 0;
    const listening = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      this.onUpOnce = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    worker.postMessage({ type: 'listen' });
    await listening;
    this.onUpOnce = null;
  }

  get listening(): boolean {
    return this.worker !== null && this.up;
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
        this.up = false;
        this.handlers.onDown(m.at);
        break;
      case 'up':
        this.up = true;
        this.onUpOnce?.();
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

  /** Stops listening and takes what the thread still holds (bounded in time). The thread stays. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.up = false;
    if (!worker) return;
    const done = new Promise<void>((resolve) => {
      this.drained = resolve;
      setTimeout(resolve, DRAIN_LIMIT_MS);
    });
    worker.postMessage({ type: 'drain' });
    await done;
    this.drained = null;
  }

  /** Ends the thread (process shutdown). */
  async terminate(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.booting = null;
    this.up = false;
    if (worker) await worker.terminate();
  }
}
