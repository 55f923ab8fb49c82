import { describe, expect, it } from 'vitest';
import { renderAlertmanager } from '@/lib/server/alerts/channels/alertmanager';
import { backoffMs } from '@/lib/server/alerts/channels/deliver';
import { renderEmail } from '@/lib/server/alerts/channels/email';
import { parseRetryAfter } from '@/lib/server/alerts/channels/http';
import { renderPagerDuty } from '@/lib/server/alerts/channels/pagerduty';
import { renderSlack } from '@/lib/server/alerts/channels/slack';
import { renderWebhookBody, webhookSignature } from '@/lib/server/alerts/channels/webhook';
import { sampleNotification } from '../support/receivers';

// Rendering per channel: pure functions of the notification.

const n = sampleNotification({ startsAt: 1_700_000_000 });

describe('webhook', () => {
  it('signs "<timestamp>.<body>" with HMAC-SHA256 (vector from openssl dgst -sha256 -hmac)', () => {
    expect(webhookSignature('whsec-0123456789abcdef', 1_700_000_000, '{"a":1}')).toBe('sha256=d77c78ac4da074c56908b55eac30358b2a7bfc573be4c76819af5102e8dcf939');
  });

  it('wraps the notification in a versioned body', () => {
    expect(JSON.parse(renderWebhookBody(n, 'd-1'))).toEqual({ version: 1, event: 'firing', deliveryId: 'd-1', notification: n });
  });
});

describe('slack', () => {
  it('keeps within Block Kit limits: a 150-char header and at most 10 fields', () => {
    const labels = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`label${i}`, `v${i}`]));
    const message = renderSlack({ ...n, summary: 'x'.repeat(400), labels }) as { blocks: { type: string; text?: { text: string }; fields?: unknown[] }[] };
    const header = message.blocks.find((b) => b.type === 'header');
    const section = message.blocks.find((b) => b.type === 'section');
    expect(header?.text?.text.length).toBe(150);
    expect(section?.fields).toHaveLength(10);
  });

  it('escapes mrkdwn control characters in what the rule wrote', () => {
    const message = JSON.stringify(renderSlack({ ...n, description: 'depth <b> & rising', labels: { task: 'app.<x>' } }));
    expect(message).toContain('depth &lt;b&gt; &amp; rising');
    expect(message).toContain('app.&lt;x&gt;');
  });
});

describe('pagerduty', () => {
  it('maps kinds to event actions and sends a payload only with trigger', () => {
    const trigger = renderPagerDuty('rk', { ...n, summary: 's'.repeat(2000), severity: 'warning' });
    expect(trigger).toMatchObject({ event_action: 'trigger', dedup_key: n.dedupKey, payload: { severity: 'warning', timestamp: '2023-11-14T22:13:20.000Z', group: n.ruleId } });
    expect((trigger.payload as { summary: string }).summary).toHaveLength(1024);
    expect(renderPagerDuty('rk', { ...n, kind: 'acknowledged' })).not.toHaveProperty('payload');
    expect(renderPagerDuty('rk', { ...n, kind: 'resolved' })).toMatchObject({ event_action: 'resolve', dedup_key: n.dedupKey });
  });
});

describe('alertmanager', () => {
  const now = 1_700_000_600_000;

  it('holds a firing alert open for the hold time and ends a resolved one at its end', () => {
    const [firing] = renderAlertmanager(n, 3600, now);
    expect(firing).toMatchObject({ startsAt: '2023-11-14T22:13:20.000Z', endsAt: '2023-11-14T23:23:20.000Z', generatorURL: n.url });
    const [resolved] = renderAlertmanager({ ...n, kind: 'resolved', endsAt: 1_700_000_300 }, 3600, now);
    expect(resolved).toMatchObject({ endsAt: '2023-11-14T22:18:20.000Z' });
  });

  it('turns subject labels into valid Alertmanager label names and keeps alertname/severity/source its own', () => {
    const [alert] = renderAlertmanager({ ...n, labels: { 'worker-host': 'w1@h', '9lives': 'x', alertname: 'spoof', empty: '' } }, 3600, now);
    expect(alert?.labels).toEqual({ worker_host: 'w1@h', _9lives: 'x', alertname: 'queue-no-consumer', severity: 'critical', source: 'trellis' });
  });
});

describe('email', () => {
  it('puts state and severity in the subject and escapes HTML', () => {
    const mail = renderEmail({ ...n, kind: 'acknowledged', acknowledgedBy: 'Ann <ann@x>', url: 'http://t/q?a=1&b=2' });
    expect(mail.subject).toBe(`[ACKNOWLEDGED] [critical] ${n.summary}`);
    expect(mail.html).toContain('Ann &lt;ann@x&gt;');
    expect(mail.html).toContain('<a href="http://t/q?a=1&amp;b=2">Open in Trellis</a>');
    expect(mail.text).toContain('Open in Trellis: http://t/q?a=1&b=2');
  });
});

describe('retry timing', () => {
  it('backs off exponentially with jitter under the cap', () => {
    expect(backoffMs(1, undefined, 1000, 30_000, () => 1)).toBe(1000);
    expect(backoffMs(4, undefined, 1000, 30_000, () => 1)).toBe(8000);
    expect(backoffMs(10, undefined, 1000, 30_000, () => 1)).toBe(30_000);
    expect(backoffMs(4, undefined, 1000, 30_000, () => 0.25)).toBe(2000);
  });

  it('waits at least Retry-After, but never past the cap', () => {
    expect(backoffMs(1, 5000, 1000, 30_000, () => 0)).toBe(5000);
    expect(backoffMs(1, 600_000, 1000, 30_000, () => 0)).toBe(30_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
