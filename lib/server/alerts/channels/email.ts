import 'server-only';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { AlertNotification } from '../notification';
import type { Attempt, AttemptContext } from './attempt';
import { errorText } from './http';
import type { ChannelOf } from './schema';
import { facts, headline } from './text';

// E-mail over SMTP (nodemailer): subject "[FIRING] [critical] …", a text and an HTML body, both
// with the link to the Trellis view. A transport per attempt: alerts are rare, and a pooled
// connection would outlive the attempt's timeout.

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function renderEmail(n: AlertNotification): RenderedEmail {
  const rows = facts(n);
  const text = [n.summary, '', n.description, '', ...rows.map(([k, v]) => `${k}: ${v}`), '', `Open in Trellis: ${n.url}`].join('\n');
  const html = [
    `<h2>${escapeHtml(headline(n))}</h2>`,
    `<p>${escapeHtml(n.description).replace(/\n/g, '<br>')}</p>`,
    '<table>',
    ...rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    `<p><a href="${escapeHtml(n.url)}">Open in Trellis</a></p>`,
  ].join('\n');
  return { subject: headline(n), text, html };
}

function transportOptions(c: ChannelOf<'email'>, timeoutMs: number): SMTPTransport.Options {
  const timeouts = { connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs };
  if (c.smtp !== undefined) {
    const u = new URL(c.smtp);
    return {
      host: u.hostname,
      port: u.port ? Number(u.port) : undefined,
      secure: u.protocol === 'smtps:',
      auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
      ...timeouts,
    };
  }
  return {
    host: c.host,
    port: c.port,
    secure: c.secure ?? c.port === 465,
    auth: c.user !== undefined ? { user: c.user, pass: c.password ?? '' } : undefined,
    ...timeouts,
  };
}

/** SMTP 5xx replies and authentication failures are permanent; the rest (4xx, network) may pass later. */
function classify(err: unknown): Attempt {
  const e = err as { responseCode?: number; code?: string };
  const permanent = (e.responseCode !== undefined && e.responseCode >= 500) || e.code === 'EAUTH' || e.code === 'EENVELOPE';
  return { ok: false, retry: !permanent, status: e.responseCode, error: errorText(err) };
}

export async function sendEmail(c: ChannelOf<'email'>, n: AlertNotification, ctx: AttemptContext): Promise<Attempt> {
  const transport = nodemailer.createTransport(transportOptions(c, c.timeout * 1000));
  const mail = renderEmail(n);
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    await Promise.race([
      transport.sendMail({ from: c.from, to: c.to, subject: mail.subject, text: mail.text, html: mail.html, headers: { 'X-Trellis-Delivery': ctx.deliveryId } }),
      aborted,
    ]);
    return { ok: true };
  } catch (err) {
    return classify(err);
  } finally {
    transport.close();
  }
}
