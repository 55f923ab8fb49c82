import 'server-only';
import type { AlertNotification } from '../notification';
import type { Attempt, AttemptContext } from './attempt';
import { postJson } from './http';
import type { ChannelOf } from './schema';
import { isoTime, truncate } from './text';

// PagerDuty Events API v2 (POST /v2/enqueue). One PagerDuty alert per incident: dedup_key is the
// notification's dedupKey, so a repeat re-triggers the same alert (PagerDuty dedups it) and
// acknowledge/resolve reach it.

const ACTION: Record<AlertNotification['kind'], 'trigger' | 'acknowledge' | 'resolve'> = {
  firing: 'trigger',
  repeat: 'trigger',
  test: 'trigger',
  acknowledged: 'acknowledge',
  resolved: 'resolve',
};

/** Trellis severities are a subset of PagerDuty's (critical|error|warning|info). */
const SEVERITY: Record<AlertNotification['severity'], 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical',
  warning: 'warning',
  info: 'info',
};

export function renderPagerDuty(routingKey: string, n: AlertNotification, action = ACTION[n.kind]): Record<string, unknown> {
  const subject = n.labels.queue ?? n.labels.worker ?? n.labels.task;
  return {
    routing_key: routingKey,
    event_action: action,
    dedup_key: truncate(n.dedupKey, 255),
    client: 'Trellis',
    client_url: n.url,
    links: [{ href: n.url, text: 'Open in Trellis' }],
    // The payload is required for trigger only; acknowledge/resolve address the alert by dedup_key.
    ...(action === 'trigger'
      ? {
          payload: {
            summary: truncate(n.summary, 1024),
            source: subject ?? 'trellis',
            severity: SEVERITY[n.severity],
            timestamp: isoTime(n.startsAt),
            ...(subject !== undefined ? { component: subject } : {}),
            group: n.ruleId,
            class: n.ruleType,
            custom_details: { description: n.description, labels: n.labels, value: n.value, threshold: n.threshold, incident: n.incidentId },
          },
        }
      : {}),
  };
}

export async function sendPagerDuty(c: ChannelOf<'pagerduty'>, n: AlertNotification, ctx: AttemptContext): Promise<Attempt> {
  const trigger = await postJson(c.url, JSON.stringify(renderPagerDuty(c.routing_key, n)), ctx.signal);
  // A test must not leave an open PagerDuty incident behind: resolve it right away.
  if (n.kind !== 'test' || !trigger.ok) return trigger;
  return postJson(c.url, JSON.stringify(renderPagerDuty(c.routing_key, n, 'resolve')), ctx.signal);
}
