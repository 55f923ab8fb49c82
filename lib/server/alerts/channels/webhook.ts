import 'server-only';
import { createHmac } from 'node:crypto';
import type { AlertNotification } from '../notification';
import type { Attempt, AttemptContext } from './attempt';
import { postJson } from './http';
import type { ChannelOf } from './schema';

// Generic webhook: the notification as versioned JSON, signed like Stripe/Slack signing secrets
// (ADR 0014): HMAC-SHA256 over "<timestamp>.<body>", so a receiver rejects a replayed old request
// by its timestamp and a forged one by its signature.

export const WEBHOOK_BODY_VERSION = 1;

export interface WebhookBody {
  version: typeof WEBHOOK_BODY_VERSION;
  /** The notification's kind: firing | repeat | acknowledged | resolved | test. */
  event: AlertNotification['kind'];
  /** Same on every retry of this delivery: receivers drop duplicates by it. */
  deliveryId: string;
  notification: AlertNotification;
}

export function renderWebhookBody(n: AlertNotification, deliveryId: string): string {
  const body: WebhookBody = { version: WEBHOOK_BODY_VERSION, event: n.kind, deliveryId, notification: n };
  return JSON.stringify(body);
}

/** "sha256=<hex HMAC-SHA256 of `<timestamp>.<body>`>" */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function sendWebhook(c: ChannelOf<'webhook'>, n: AlertNotification, ctx: AttemptContext): Promise<Attempt> {
  const body = renderWebhookBody(n, ctx.deliveryId);
  // Signed per attempt: a retry carries a fresh timestamp, so it passes a receiver's freshness check.
  const timestamp = Math.floor(ctx.now / 1000);
  return postJson(c.url, body, ctx.signal, {
    ...c.headers,
    'x-trellis-event': n.kind,
    'x-trellis-delivery': ctx.deliveryId,
    'x-trellis-timestamp': String(timestamp),
    'x-trellis-signature': webhookSignature(c.secret, timestamp, body),
  });
}
