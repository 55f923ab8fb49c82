import 'server-only';
import type { AlertNotification } from '../notification';
import type { Attempt, AttemptContext } from './attempt';
import { errorText, postJson } from './http';
import type { ChannelOf } from './schema';
import { isoTime } from './text';

// Prometheus Alertmanager API v2 (POST <url>/api/v2/alerts). Alertmanager resolves an alert by
// itself once endsAt passes, so a firing alert carries endsAt = now + hold, longer than the
// evaluator's repeat interval (each repeat pushes it forward); the resolved one carries its real end.

const TEST_HOLD_SECONDS = 300;

/** Alertmanager label names: [a-zA-Z_][a-zA-Z0-9_]*. */
const labelName = (key: string) => key.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^([0-9])/, '_$1');

export function renderAlertmanager(n: AlertNotification, holdSeconds: number, nowMs: number): Record<string, unknown>[] {
  const now = nowMs / 1000;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(n.labels)) if (v !== '') labels[labelName(k)] = v;
  const endsAt = n.kind === 'resolved' ? (n.endsAt ?? now) : now + (n.kind === 'test' ? TEST_HOLD_SECONDS : holdSeconds);
  return [
    {
      labels: { ...labels, alertname: n.kind === 'test' ? 'TrellisTest' : n.ruleId, severity: n.severity, source: 'trellis' },
      annotations: { summary: n.summary, description: n.description, incident: n.incidentId },
      startsAt: isoTime(n.startsAt),
      endsAt: isoTime(endsAt),
      generatorURL: n.url,
    },
  ];
}

/** Sent to every listed Alertmanager (an HA cluster dedups); delivered when at least one accepted it, as Prometheus counts it. */
export async function sendAlertmanager(c: ChannelOf<'alertmanager'>, n: AlertNotification, ctx: AttemptContext): Promise<Attempt> {
  const body = JSON.stringify(renderAlertmanager(n, c.hold, ctx.now));
  const outcomes = await Promise.all(
    c.url.map((base) =>
      postJson(`${base.replace(/\/+$/, '')}/api/v2/alerts`, body, ctx.signal).catch(
        (err: unknown): Attempt => ({ ok: false, retry: true, error: `${base}: ${errorText(err)}` }),
      ),
    ),
  );
  return outcomes.find((o) => o.ok) ?? outcomes.find((o) => !o.ok && o.retry) ?? outcomes[0] ?? { ok: false, retry: false, error: 'no Alertmanager URL' };
}
