import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deliver } from '@/lib/server/alerts/channels/deliver';
import { redactChannel } from '@/lib/server/alerts/channels/redact';
import { ChannelSchema, type Channel } from '@/lib/server/alerts/channels/schema';
import { testSend } from '@/lib/server/alerts/channels/test-send';
import { freePort } from '../support/redis-server';
import { captureLog, refusingUrl, sampleNotification, startHttpReceiver, type HttpReceiver, type RecordedRequest } from '../support/receivers';

// Webhook, Slack and PagerDuty channels against a real HTTP receiver on loopback; retries, timeouts
// and secrecy of channel secrets.

const fast = { baseDelayMs: 50, maxDelayMs: 2000, log: captureLog().log };
const receivers: HttpReceiver[] = [];
const receiver = async (...args: Parameters<typeof startHttpReceiver>) => {
  const r = await startHttpReceiver(...args);
  receivers.push(r);
  return r;
};
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const channel = (input: Record<string, unknown>): Channel => ChannelSchema.parse(input);
const header = (req: RecordedRequest | undefined, name: string): string => String(req?.headers[name] ?? '');

/** What a receiver does with the documented scheme: HMAC-SHA256 of "<timestamp>.<body>", fresh timestamp. */
function verifyWebhook(req: RecordedRequest, secret: string, toleranceSeconds = 300): boolean {
  const timestamp = Number(header(req, 'x-trellis-timestamp'));
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${req.body}`).digest('hex')}`);
  const given = Buffer.from(header(req, 'x-trellis-signature'));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// Slack Block Kit, from Slack's reference: text objects, header (plain_text ≤ 150), section (text ≤ 3000,
// ≤ 10 fields of ≤ 2000), actions (button: plain_text ≤ 75, url ≤ 3000), context (≤ 10 elements), ≤ 50 blocks.
const PlainText = z.object({ type: z.literal('plain_text'), text: z.string().min(1), emoji: z.boolean().optional() }).strict();
const Mrkdwn = z.object({ type: z.literal('mrkdwn'), text: z.string().min(1), verbatim: z.boolean().optional() }).strict();
const TextObject = z.union([PlainText, Mrkdwn]);
const maxText = (n: number) => TextObject.refine((t) => t.text.length <= n, `text longer than ${n}`);
const Button = z
  .object({
    type: z.literal('button'),
    text: PlainText.refine((t) => t.text.length <= 75),
    action_id: z.string().max(255).optional(),
    url: z.url().max(3000).optional(),
    value: z.string().max(2000).optional(),
    style: z.enum(['primary', 'danger']).optional(),
  })
  .strict();
const Block = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), text: PlainText.refine((t) => t.text.length <= 150), block_id: z.string().max(255).optional() }).strict(),
  z
    .object({ type: z.literal('section'), text: maxText(3000).optional(), fields: z.array(maxText(2000)).min(1).max(10).optional(), accessory: Button.optional(), block_id: z.string().optional() })
    .strict()
    .refine((s) => s.text !== undefined || s.fields !== undefined, 'a section needs text or fields'),
  z.object({ type: z.literal('actions'), elements: z.array(Button).min(1).max(25), block_id: z.string().optional() }).strict(),
  z.object({ type: z.literal('context'), elements: z.array(TextObject).min(1).max(10), block_id: z.string().optional() }).strict(),
  z.object({ type: z.literal('divider') }).strict(),
]);
const SlackMessage = z.object({ text: z.string().min(1), blocks: z.array(Block).min(1).max(50) }).strict();

// PagerDuty Events API v2 (developer docs, "Send an Alert Event"): routing_key, event_action, dedup_key ≤ 255;
// payload required for trigger: summary ≤ 1024, source, severity, optional timestamp/component/group/class/custom_details.
const PagerDutyEvent = z
  .object({
    routing_key: z.string().min(1),
    event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
    dedup_key: z.string().min(1).max(255).optional(),
    client: z.string().optional(),
    client_url: z.url().optional(),
    links: z.array(z.object({ href: z.url(), text: z.string().optional() }).strict()).optional(),
    images: z.array(z.object({ src: z.string(), href: z.string().optional(), alt: z.string().optional() })).optional(),
    payload: z
      .object({
        summary: z.string().min(1).max(1024),
        source: z.string().min(1),
        severity: z.enum(['critical', 'error', 'warning', 'info']),
        timestamp: z.iso.datetime().optional(),
        component: z.string().optional(),
        group: z.string().optional(),
        class: z.string().optional(),
        custom_details: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((e) => e.event_action !== 'trigger' || e.payload !== undefined, 'trigger needs a payload')
  .refine((e) => e.event_action === 'trigger' || e.dedup_key !== undefined, 'acknowledge/resolve need a dedup_key');

describe('webhook channel', () => {
  it('posts the versioned notification signed with HMAC-SHA256 over "<timestamp>.<body>"', async () => {
    const r = await receiver();
    const secret = 'whsec-0123456789abcdef';
    const c = channel({ type: 'webhook', id: 'ops-hook', url: `${r.url}/hooks/trellis`, secret, headers: { 'X-Team': 'ops' } });
    const n = sampleNotification();
    const result = await deliver(c, n, fast);

    expect(result).toMatchObject({ ok: true, attempts: 1, status: 200 });
    const req = r.requests[0];
    expect(req?.path).toBe('/hooks/trellis');
    expect(req && verifyWebhook(req, secret)).toBe(true);
    expect(req && verifyWebhook(req, 'another-secret-entirely')).toBe(false);
    expect(req && verifyWebhook({ ...req, body: req.body.replace('1204', '1205') }, secret)).toBe(false);
    expect(header(req, 'x-trellis-event')).toBe('firing');
    expect(header(req, 'x-trellis-delivery')).toBe(result.deliveryId);
    expect(header(req, 'x-team')).toBe('ops');
    expect(header(req, 'content-type')).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual({ version: 1, event: 'firing', deliveryId: result.deliveryId, notification: n });
  });

  it('retries 500s with backoff and keeps one delivery id, re-signing each attempt', async () => {
    const r = await receiver((_, i) => ({ status: i < 2 ? 500 : 204 }));
    const secret = 'whsec-0123456789abcdef';
    const result = await deliver(channel({ type: 'webhook', id: 'h', url: r.url, secret }), sampleNotification(), fast);

    expect(result).toMatchObject({ ok: true, attempts: 3, status: 204 });
    expect(r.requests).toHaveLength(3);
    expect(new Set(r.requests.map((q) => header(q, 'x-trellis-delivery')))).toEqual(new Set([result.deliveryId]));
    expect(r.requests.every((q) => verifyWebhook(q, secret))).toBe(true);
  });

  it('does not retry a 400: the receiver refused this message', async () => {
    const r = await receiver(() => ({ status: 400, body: 'bad payload' }));
    const result = await deliver(channel({ type: 'webhook', id: 'h', url: r.url, secret: 'whsec-0123456789abcdef' }), sampleNotification(), fast);

    expect(result).toMatchObject({ ok: false, attempts: 1, status: 400 });
    expect(result.error).toContain('bad payload');
    expect(r.requests).toHaveLength(1);
  });

  it('honours Retry-After on a 429 before the next attempt', async () => {
    const r = await receiver((_, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const started = Date.now();
    const result = await deliver(channel({ type: 'webhook', id: 'h', url: r.url, secret: 'whsec-0123456789abcdef' }), sampleNotification(), fast);

    expect(result).toMatchObject({ ok: true, attempts: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('retries a refused connection until the receiver is up', async () => {
    const port = await freePort();
    const c = channel({ type: 'webhook', id: 'h', url: `http://127.0.0.1:${port}/in`, secret: 'whsec-0123456789abcdef', retries: 5 });
    const pending = deliver(c, sampleNotification(), { baseDelayMs: 300, maxDelayMs: 300, random: () => 1 });
    await new Promise((resolve) => setTimeout(resolve, 450));
    const r = await receiver(undefined, { port });
    const result = await pending;

    expect(result.ok).toBe(true);
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(r.requests).toHaveLength(1);
  });

  it('gives up after its retries when nothing listens, saying why', async () => {
    const c = channel({ type: 'webhook', id: 'h', url: await refusingUrl(), secret: 'whsec-0123456789abcdef', retries: 2 });
    const result = await deliver(c, sampleNotification(), fast);

    expect(result).toMatchObject({ ok: false, attempts: 3 });
    expect(result.error).toContain('ECONNREFUSED');
  });

  it('abandons an attempt at the channel timeout and retries it', async () => {
    const r = await receiver((_, i) => (i === 0 ? { status: 200, delayMs: 5000 } : { status: 200 }));
    const started = Date.now();
    const result = await deliver(channel({ type: 'webhook', id: 'h', url: r.url, secret: 'whsec-0123456789abcdef', timeout: '1s', retries: 1 }), sampleNotification(), fast);

    expect(result).toMatchObject({ ok: true, attempts: 2 });
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('reports a timeout when every attempt hangs', async () => {
    const r = await receiver(() => ({ status: 200, delayMs: 5000 }));
    const result = await deliver(channel({ type: 'webhook', id: 'h', url: r.url, secret: 'whsec-0123456789abcdef', timeout: '1s', retries: 0 }), sampleNotification(), fast);

    expect(result).toMatchObject({ ok: false, attempts: 1, error: 'timed out after 1s' });
  });

  it('stops at once when the caller cancels the delivery', async () => {
    const r = await receiver(() => ({ status: 200, delayMs: 5000 }));
    const started = Date.now();
    const result = await deliver(channel({ type: 'webhook', id: 'h', url: r.url, secret: 'whsec-0123456789abcdef' }), sampleNotification(), { ...fast, signal: AbortSignal.timeout(300) });

    expect(result).toMatchObject({ ok: false, attempts: 1, error: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('slack channel', () => {
  it('posts a Block Kit message with fields and a button to the Trellis view', async () => {
    const r = await receiver();
    const n = sampleNotification();
    const result = await deliver(channel({ type: 'slack', id: 'ops-slack', url: `${r.url}/services/T000/B000/XXXX` }), n, fast);

    expect(result.ok).toBe(true);
    const message = SlackMessage.parse(JSON.parse(r.requests[0]?.body ?? ''));
    expect(message.text).toBe(`[FIRING] [critical] ${n.summary}`);
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toContain(`"url":"${n.url}"`);
    expect(blocks).toContain('*queue*\\nemails');
  });

  it('says so when the incident is resolved', async () => {
    const r = await receiver();
    await deliver(channel({ type: 'slack', id: 's', url: r.url }), sampleNotification({ kind: 'resolved', endsAt: Math.floor(Date.now() / 1000) }), fast);

    const message = SlackMessage.parse(JSON.parse(r.requests[0]?.body ?? ''));
    expect(message.text.startsWith('[RESOLVED]')).toBe(true);
    expect(JSON.stringify(message.blocks)).toContain('Resolved: this alert is over.');
    expect(JSON.stringify(message.blocks)).toContain('*Ended*');
  });
});

describe('pagerduty channel', () => {
  it('triggers, acknowledges and resolves one PagerDuty alert by dedup_key, in the Events API v2 shape', async () => {
    const r = await receiver(() => ({ status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' }));
    const c = channel({ type: 'pagerduty', id: 'pd', routing_key: 'R0UT1NGK3Y0123456789abcdefabcdef', url: `${r.url}/v2/enqueue` });
    const n = sampleNotification();
    for (const kind of ['firing', 'repeat', 'acknowledged', 'resolved'] as const) {
      expect((await deliver(c, { ...n, kind, acknowledgedBy: kind === 'acknowledged' ? 'alice' : undefined }, fast)).ok).toBe(true);
    }

    const events = r.requests.map((q) => PagerDutyEvent.parse(JSON.parse(q.body)));
    expect(r.requests.every((q) => q.path === '/v2/enqueue')).toBe(true);
    expect(events.map((e) => e.event_action)).toEqual(['trigger', 'trigger', 'acknowledge', 'resolve']);
    expect(new Set(events.map((e) => e.dedup_key))).toEqual(new Set([n.dedupKey]));
    expect(events[0]?.payload).toMatchObject({ summary: n.summary, source: 'emails', severity: 'critical', component: 'emails', class: n.ruleType });
    expect(events[0]?.links).toEqual([{ href: n.url, text: 'Open in Trellis' }]);
  });

  it('test-sends a trigger followed by its resolve', async () => {
    const r = await receiver(() => ({ status: 202 }));
    const c = channel({ type: 'pagerduty', id: 'pd', routing_key: 'R0UT1NGK3Y0123456789abcdefabcdef', url: `${r.url}/v2/enqueue` });
    const result = await testSend(c, 'http://trellis.test/');

    expect(result.ok).toBe(true);
    const events = r.requests.map((q) => PagerDutyEvent.parse(JSON.parse(q.body)));
    expect(events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(events[0]?.dedup_key).toBe(events[1]?.dedup_key);
    expect(events[0]?.payload?.severity).toBe('info');
    expect(events[0]?.client_url).toBe('http://trellis.test/alerts');
  });
});

describe('channel secrets', () => {
  it('never appear in delivery errors, logs or the redacted channel, even when a receiver echoes them', async () => {
    const slackToken = 'T0SECRET/B0SECRET/xoxSecretPath123';
    const routingKey = 'PDKEY-very-secret-routing-key-42';
    const signingSecret = 'whsec-hidden-signing-secret-99';
    // Receivers that answer with the request (its path and body) in the error text, as some do.
    const echo = await receiver((q) => ({ status: 400, body: `rejected ${q.path} ${q.body.slice(0, 120)} ${String(q.headers['x-trellis-signature'])}` }));
    const channels = [
      channel({ type: 'slack', id: 's', url: `${echo.url}/services/${slackToken}` }),
      channel({ type: 'pagerduty', id: 'pd', routing_key: routingKey, url: `${echo.url}/v2/enqueue` }),
      channel({ type: 'webhook', id: 'h', url: `${echo.url}/hook?token=${slackToken}`, secret: signingSecret }),
    ];
    const { log, lines } = captureLog();
    const results = await Promise.all(channels.map((c) => deliver(c, sampleNotification(), { ...fast, log })));

    expect(results.every((res) => !res.ok && res.attempts === 1)).toBe(true);
    expect(results.map((res) => res.error).join('\n')).toContain('rejected');
    expect(lines.length).toBe(3);
    const shown = [...results.map((res) => res.error), ...lines, ...channels.map((c) => JSON.stringify(redactChannel(c)))].join('\n');
    for (const secret of [slackToken, 'xoxSecretPath123', routingKey, signingSecret]) expect(shown).not.toContain(secret);
    expect(redactChannel(channels[0] as Channel)).toEqual({ type: 'slack', id: 's', name: null, targets: [new URL(echo.url).host] });
  });
});
