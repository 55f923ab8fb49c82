// Real receivers on loopback for notification-channel tests: an HTTP server that records requests
// and answers as told, a real SMTP server (smtp-server) and a real prometheus-alertmanager.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { SMTPServer } from 'smtp-server';
import type { AlertNotification } from '@/lib/server/alerts/notification';
import { freePort } from './redis-server';

/** A notification as the incident engine builds it; override what the test is about. */
export function sampleNotification(overrides: Partial<AlertNotification> = {}): AlertNotification {
  const startsAt = Math.floor(Date.now() / 1000) - 120;
  return {
    kind: 'firing',
    dedupKey: 'queue-no-consumer:queue=emails',
    incidentId: 'inc-0001',
    ruleId: 'queue-no-consumer',
    ruleType: 'queue-no-consumer',
    severity: 'critical',
    summary: 'Queue emails has 1,204 waiting messages and no consumer',
    description: '1,204 messages waiting, 0 consumers for 2m (threshold: any waiting message for 1m).',
    labels: { queue: 'emails' },
    value: 1204,
    threshold: 0,
    startsAt,
    endsAt: null,
    url: 'http://trellis.test/queues/emails',
    ...overrides,
  };
}

/** A pino logger that keeps its lines in memory, to assert on what was logged. */
export function captureLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) }), lines };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer only after this long (to exercise a sender's timeout). */
  delayMs?: number;
}

export interface HttpReceiver {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Records every request; `reply(req, index)` decides the answer (default 200 "ok"). */
export async function startHttpReceiver(
  reply: (req: RecordedRequest, index: number) => Reply = () => ({ status: 200 }),
  opts: { port?: number } = {},
): Promise<HttpReceiver> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      const r = reply(recorded, requests.length - 1);
      const answer = () => {
        timers.delete(timer);
        if (res.destroyed) return;
        res.writeHead(r.status, { 'content-type': 'text/plain', ...r.headers });
        res.end(r.body ?? (r.status < 300 ? 'ok' : 'error'));
      };
      const timer = setTimeout(answer, r.delayMs ?? 0);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL on which nothing listens: connection refused. */
export async function refusingUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

export interface ReceivedMail {
  from: string;
  to: string[];
  /** Authenticated user, if the client logged in. */
  user: string | null;
  raw: string;
}

export interface SmtpReceiver {
  port: number;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

/** A real SMTP server (no TLS; login checked when `auth` is given). */
export async function startSmtpReceiver(auth?: { user: string; password: string }): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: auth === undefined,
    logger: false,
    onAuth(a, _session, cb) {
      if (auth && a.username === auth.user && a.password === auth.password) cb(null, { user: a.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : null,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function decodeBody(body: string, encoding: string | undefined): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

function splitHeaders(text: string): { headers: Record<string, string>; body: string } {
  const at = text.search(/\r?\n\r?\n/);
  const head = at < 0 ? text : text.slice(0, at);
  const body = at < 0 ? '' : text.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

/** Enough MIME to assert on: top-level headers, and the decoded text/plain and text/html parts. */
export function parseMail(raw: string): { headers: Record<string, string>; text: string; html: string } {
  const top = splitHeaders(raw);
  const parts: { type: string; body: string }[] = [];
  const walk = (headers: Record<string, string>, body: string) => {
    const type = headers['content-type'] ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (type.startsWith('multipart/') && boundary) {
      for (const chunk of body.split(`--${boundary}`).slice(1)) {
        if (chunk.startsWith('--')) break;
        const part = splitHeaders(chunk.replace(/^\r?\n/, ''));
        walk(part.headers, part.body);
      }
    } else {
      parts.push({ type: type.split(';')[0] ?? type, body: decodeBody(body, headers['content-transfer-encoding']?.toLowerCase()) });
    }
  };
  walk(top.headers, top.body);
  return {
    headers: top.headers,
    text: parts.find((p) => p.type === 'text/plain')?.body ?? '',
    html: parts.find((p) => p.type === 'text/html')?.body ?? '',
  };
}

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  status: { state: string };
}

export interface Alertmanager {
  url: string;
  /** GET /api/v2/alerts (active, unprocessed, silenced and inhibited: Alertmanager's defaults). */
  alerts(): Promise<AlertmanagerAlert[]>;
  stop(): Promise<void>;
}

/** A real prometheus-alertmanager on a free loopback port, clustering off, a temp storage dir. */
export async function startAlertmanager(): Promise<Alertmanager> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-am-'));
  const config = path.join(dir, 'alertmanager.yml');
  // One receiver that notifies nobody: the test reads Alertmanager's own API.
  writeFileSync(config, 'route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n');
  const child: ChildProcess = spawn(
    '/usr/bin/prometheus-alertmanager',
    [`--config.file=${config}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end || child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus-alertmanager did not become ready on ${url}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    alerts: async () => (await (await fetch(`${url}/api/v2/alerts`)).json()) as AlertmanagerAlert[],
    stop,
  };
}
