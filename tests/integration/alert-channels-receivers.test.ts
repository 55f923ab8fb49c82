import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '@/lib/server/alerts/channels/deliver';
import { redactChannel } from '@/lib/server/alerts/channels/redact';
import { ChannelSchema } from '@/lib/server/alerts/channels/schema';
import { testSend } from '@/lib/server/alerts/channels/test-send';
import {
  captureLog,
  parseMail,
  refusingUrl,
  sampleNotification,
  startAlertmanager,
  startSmtpReceiver,
  type Alertmanager,
  type SmtpReceiver,
} from '../support/receivers';

// E-mail to a real SMTP server (smtp-server) and alerts to a real prometheus-alertmanager, on loopback.

const fast = { baseDelayMs: 50, maxDelayMs: 1000, log: captureLog().log };

describe('email channel', () => {
  const password = 'smtp-pa$$word-secret';
  let smtp: SmtpReceiver;
  beforeAll(async () => {
    smtp = await startSmtpReceiver({ user: 'trellis', password });
  });
  afterAll(async () => {
    delete process.env.TEST_SMTP_PASSWORD;
    await smtp.close();
  });

  it('sends a firing e-mail with the state and severity in the subject and the link in both bodies', async () => {
    process.env.TEST_SMTP_PASSWORD = password;
    const c = ChannelSchema.parse({
      type: 'email',
      id: 'oncall-mail',
      smtp: `smtp://trellis:\${TEST_SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
      from: 'trellis@example.test',
      to: ['oncall@example.test', 'lead@example.test'],
    });
    const n = sampleNotification();
    const result = await deliver(c, n, fast);

    expect(result).toMatchObject({ ok: true, attempts: 1 });
    const received = smtp.mails.at(-1);
    expect(received).toMatchObject({ from: 'trellis@example.test', to: ['oncall@example.test', 'lead@example.test'], user: 'trellis' });
    const mail = parseMail(received?.raw ?? '');
    expect(mail.headers.subject).toBe(`[FIRING] [critical] ${n.summary}`);
    expect(mail.headers.to).toBe('oncall@example.test, lead@example.test');
    expect(mail.headers['x-trellis-delivery']).toBe(result.deliveryId);
    expect(mail.text).toContain(`Open in Trellis: ${n.url}`);
    expect(mail.text).toContain('queue: emails');
    expect(mail.html).toContain(`<a href="${n.url}">Open in Trellis</a>`);
    expect(JSON.stringify(redactChannel(c))).not.toContain(password);
  });

  it('says RESOLVED in the subject of a resolved e-mail (host/port/user/password form)', async () => {
    const c = ChannelSchema.parse({ type: 'email', id: 'm', host: '127.0.0.1', port: smtp.port, user: 'trellis', password, from: 'trellis@example.test', to: 'oncall@example.test' });
    const result = await deliver(c, sampleNotification({ kind: 'resolved', endsAt: Math.floor(Date.now() / 1000) }), fast);

    expect(result.ok).toBe(true);
    expect(parseMail(smtp.mails.at(-1)?.raw ?? '').headers.subject).toMatch(/^\[RESOLVED\] \[critical\] /);
  });

  it('does not retry a refused login, and the password stays out of the error and the log', async () => {
    const { log, lines } = captureLog();
    const c = ChannelSchema.parse({ type: 'email', id: 'm', host: '127.0.0.1', port: smtp.port, user: 'trellis', password: 'wrong-secret-password', from: 'trellis@example.test', to: 'oncall@example.test' });
    const result = await deliver(c, sampleNotification(), { ...fast, log });

    expect(result).toMatchObject({ ok: false, attempts: 1, status: 535 });
    expect(lines).toHaveLength(1);
    expect(`${result.error}\n${lines.join('\n')}`).not.toContain('wrong-secret-password');
  });

  it('retries when the SMTP server is unreachable', async () => {
    const port = Number(new URL(await refusingUrl()).port);
    const c = ChannelSchema.parse({ type: 'email', id: 'm', host: '127.0.0.1', port, from: 'trellis@example.test', to: 'oncall@example.test', retries: 1 });
    const result = await deliver(c, sampleNotification(), fast);

    expect(result).toMatchObject({ ok: false, attempts: 2 });
    expect(result.error).toContain('ECONNREFUSED');
  });
});

describe('alertmanager channel', () => {
  let am: Alertmanager;
  beforeAll(async () => {
    am = await startAlertmanager();
  });
  afterAll(() => am.stop());

  it('makes the alert active in Alertmanager while firing and resolves it with endsAt', async () => {
    const c = ChannelSchema.parse({ type: 'alertmanager', id: 'am', url: [am.url] });
    const n = sampleNotification({ dedupKey: 'queue-no-consumer:queue=reports', labels: { queue: 'reports' } });

    expect((await deliver(c, n, fast)).ok).toBe(true);
    const firing = (await am.alerts()).find((a) => a.labels.queue === 'reports');
    expect(firing).toMatchObject({
      labels: { alertname: 'queue-no-consumer', severity: 'critical', queue: 'reports', source: 'trellis' },
      annotations: { summary: n.summary, description: n.description },
      generatorURL: n.url,
      status: { state: 'active' },
    });
    // Held past the repeat interval, so it does not resolve itself between re-sends.
    expect(Date.parse(firing?.endsAt ?? '') - Date.now()).toBeGreaterThan(4 * 3600 * 1000);

    const endsAt = Math.floor(Date.now() / 1000);
    expect((await deliver(c, { ...n, kind: 'resolved', endsAt }, fast)).ok).toBe(true);
    // Alertmanager lists only alerts that have not ended: the resolved one is gone.
    expect((await am.alerts()).filter((a) => a.labels.queue === 'reports')).toEqual([]);
  });

  it('test-sends a TrellisTest alert, and counts delivery when one of two Alertmanagers accepts it', async () => {
    const c = ChannelSchema.parse({ type: 'alertmanager', id: 'am', url: [await refusingUrl(), `${am.url}/`] });
    const result = await testSend(c, 'http://trellis.test');

    expect(result).toMatchObject({ ok: true, attempts: 1, status: 200 });
    const test = (await am.alerts()).find((a) => a.labels.alertname === 'TrellisTest');
    expect(test).toMatchObject({ labels: { severity: 'info', channel: 'am', source: 'trellis' }, status: { state: 'active' }, generatorURL: 'http://trellis.test/alerts' });
  });
});
