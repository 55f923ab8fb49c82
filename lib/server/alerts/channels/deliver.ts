import 'server-only';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { logger } from '../../logger';
import type { AlertNotification } from '../notification';
import { sendAlertmanager } from './alertmanager';
import type { Attempt, AttemptContext } from './attempt';
import { sendEmail } from './email';
import { errorText } from './http';
import { sendPagerDuty } from './pagerduty';
import { scrub } from './redact';
import type { Channel } from './schema';
import { sendSlack } from './slack';
import { truncate } from './text';
import { sendWebhook } from './webhook';

/** An error is scrubbed whole, then shortened (shortening first could cut a secret past recognition). */
const ERROR_CHARS = 500;

// Delivers one notification to one channel: a deadline per attempt, retries with exponential
// backoff and full jitter on network errors, timeouts, 5xx and 429 (Retry-After honoured up to the
// cap); a refusal (other 4xx, SMTP 5xx) is final. Every error is scrubbed of the channel's secrets
// before it is logged or returned.

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  /** The last HTTP status (or SMTP reply code) seen, if any. */
  status?: number;
  /** Why the last attempt failed, without secrets. */
  error?: string;
  /** Sent as X-Trellis-Delivery (webhook) / header (e-mail): the same on every retry. */
  deliveryId: string;
}

export interface DeliverOptions {
  log?: Logger;
  /** First backoff step; doubles each retry. */
  baseDelayMs?: number;
  /** Cap on one wait, Retry-After included. */
  maxDelayMs?: number;
  random?: () => number;
  /** Stops the delivery (this attempt and any further one), e.g. when the collector loses its lease. */
  signal?: AbortSignal;
}

function sendOnce(c: Channel, n: AlertNotification, ctx: AttemptContext): Promise<Attempt> {
  switch (c.type) {
    case 'webhook':
      return sendWebhook(c, n, ctx);
    case 'slack':
      return sendSlack(c, n, ctx);
    case 'pagerduty':
      return sendPagerDuty(c, n, ctx);
    case 'email':
      return sendEmail(c, n, ctx);
    case 'alertmanager':
      return sendAlertmanager(c, n, ctx);
  }
}

/** Wait before retry number `retry` (1-based): full jitter over min(cap, base·2^(retry-1)), at least Retry-After (capped). */
export function backoffMs(retry: number, retryAfterMs: number | undefined, base: number, cap: number, random: () => number): number {
  const jittered = random() * Math.min(cap, base * 2 ** (retry - 1));
  return Math.min(cap, Math.max(jittered, retryAfterMs ?? 0));
}

/** Sleeps `ms`, or less if the signal aborts (the loop then returns "cancelled"). */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function deliver(c: Channel, n: AlertNotification, opts: DeliverOptions = {}): Promise<DeliveryResult> {
  const log = opts.log ?? logger;
  const base = opts.baseDelayMs ?? 1000;
  const cap = opts.maxDelayMs ?? 30_000;
  const deliveryId = randomUUID();
  const maxAttempts = c.retries + 1;
  let last: Attempt = { ok: false, retry: false, error: 'not attempted' };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (opts.signal?.aborted) return { ok: false, attempts: attempt - 1, error: 'cancelled', deliveryId };
    const signal = AbortSignal.timeout(c.timeout * 1000);
    try {
      last = await sendOnce(c, n, { signal: opts.signal ? AbortSignal.any([signal, opts.signal]) : signal, deliveryId, now: Date.now() });
    } catch (err) {
      last = { ok: false, retry: true, error: errorText(err) };
    }
    if (last.ok) return { ok: true, attempts: attempt, status: last.status, deliveryId };
    const error = signal.aborted ? `timed out after ${c.timeout}s` : truncate(scrub(last.error, c), ERROR_CHARS);
    log.warn({ channel: c.id, channelType: c.type, kind: n.kind, incident: n.incidentId, attempt, status: last.status, error }, 'alert delivery attempt failed');
    if (opts.signal?.aborted) return { ok: false, attempts: attempt, status: last.status, error: 'cancelled', deliveryId };
    if (!last.retry && !signal.aborted) return { ok: false, attempts: attempt, status: last.status, error, deliveryId };
    if (attempt === maxAttempts) return { ok: false, attempts: attempt, status: last.status, error, deliveryId };
    await wait(backoffMs(attempt, last.ok ? undefined : last.retryAfterMs, base, cap, opts.random ?? Math.random), opts.signal);
  }
  return { ok: false, attempts: maxAttempts, error: 'not attempted', deliveryId };
}
