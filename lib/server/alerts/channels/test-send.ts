import 'server-only';
import { randomUUID } from 'node:crypto';
import type { AlertNotification } from '../notification';
import { deliver, type DeliverOptions, type DeliveryResult } from './deliver';
import type { Channel } from './schema';

// A test-send (POST /api/v1/alerts/channels/{id}/test): a `test` notification that looks like a
// real one, so the receiving side (routing, templates, filters) is exercised end to end.

export function testNotification(c: Channel, publicUrl: string, nowMs = Date.now()): AlertNotification {
  const id = randomUUID();
  return {
    kind: 'test',
    dedupKey: `trellis-test-${c.id}-${id}`,
    incidentId: `test-${id}`,
    ruleId: 'trellis-test',
    ruleType: 'test',
    severity: 'info',
    summary: `Test message from Trellis to channel ${c.name ?? c.id}`,
    description: 'Sent from Trellis to check that this channel delivers. No action is needed.',
    labels: { channel: c.id },
    value: null,
    threshold: null,
    startsAt: Math.floor(nowMs / 1000),
    endsAt: null,
    url: `${publicUrl.replace(/\/+$/, '')}/alerts`,
  };
}

export function testSend(c: Channel, publicUrl: string, opts?: DeliverOptions): Promise<DeliveryResult> {
  return deliver(c, testNotification(c, publicUrl), opts);
}
