import 'server-only';
// The outcome of one delivery attempt, as every channel reports it to the retry loop (deliver.ts).

export type Attempt =
  | { ok: true; status?: number }
  | {
      ok: false;
      /** Worth another attempt: network error, timeout, 5xx, 429, a transient SMTP reply. */
      retry: boolean;
      status?: number;
      /** From Retry-After: the receiver asked us to wait this long. */
      retryAfterMs?: number;
      /** Not yet scrubbed of secrets: deliver() does that before anyone sees it. */
      error: string;
    };

export interface AttemptContext {
  /** Aborts the attempt at the channel's timeout. */
  signal: AbortSignal;
  /** Same for every attempt of one delivery: the receiver's idempotency key. */
  deliveryId: string;
  /** Epoch milliseconds (injected so rendering is testable). */
  now: number;
}
