import 'server-only';
import { AppError } from '@/lib/errors';

// Bounds what inspect costs the broker and the workers, per process: identical concurrent calls
// share one round (coalesced by key), at most MAX_IN_FLIGHT distinct rounds run at once, up to
// MAX_WAITING more wait for a slot in arrival order, and anything beyond is refused with a 503
// (UNAVAILABLE) before it publishes anything.

export const MAX_IN_FLIGHT = 8;
export const MAX_WAITING = 32;

/** A round refused because too many run and wait already (503 UNAVAILABLE through the API). */
export class InspectBusyError extends AppError {
  constructor(message: string) {
    super('UNAVAILABLE', message);
    this.name = 'InspectBusyError';
  }
}

export interface GateLoad {
  inFlight: number;
  waiting: number;
  /** Highest number of rounds run at once since the gate was created. */
  peakInFlight: number;
}

export class CallGate<T> {
  private readonly pending = new Map<string, Promise<T>>();
  private readonly queue: Array<() => void> = [];
  private inFlight = 0;
  private peak = 0;

  constructor(
    private readonly maxInFlight = MAX_IN_FLIGHT,
    private readonly maxWaiting = MAX_WAITING,
  ) {}

  /** Runs `round` for `key`, or joins the same key's round in progress. */
  run(key: string, round: () => Promise<T>): Promise<T> {
    const joined = this.pending.get(key);
    if (joined) return joined;
    if (this.inFlight >= this.maxInFlight && this.queue.length >= this.maxWaiting)
      return Promise.reject(new InspectBusyError(`too many inspect requests at once (${this.maxInFlight} running, ${this.maxWaiting} waiting): retry shortly`));
    const p = this.slot().then(async () => {
      try {
        return await round();
      } finally {
        this.pending.delete(key);
        this.release();
      }
    });
    this.pending.set(key, p);
    return p;
  }

  load(): GateLoad {
    return { inFlight: this.inFlight, waiting: this.queue.length, peakInFlight: this.peak };
  }

  private slot(): Promise<void> {
    if (this.inFlight < this.maxInFlight) {
      this.take();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(() => (this.take(), resolve())));
  }

  private take(): void {
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
  }

  private release(): void {
    this.inFlight -= 1;
    this.queue.shift()?.();
  }
}
