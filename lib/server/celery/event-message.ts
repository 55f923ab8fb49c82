import { randomUUID } from 'node:crypto';
import { kombuJson } from './kombu-json';

// Builds event messages exactly as a Celery worker publishes them (protocol doc §5.2–5.3): a kombu
// envelope with a base64 JSON body holding one event or a `task.multi` list. Used by the ingestion
// benchmark and tests; Trellis itself never publishes events.

export interface EventMessage {
  channel: string;
  data: string;
}

export function encodeEventMessage(
  body: Record<string, unknown> | Array<Record<string, unknown>>,
  opts: { hostname: string; routingKey: string; channel: string },
): EventMessage {
  const envelope = {
    body: Buffer.from(JSON.stringify(body), 'utf8').toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: { hostname: opts.hostname },
    properties: {
      delivery_mode: 1,
      delivery_info: { exchange: 'celeryev', routing_key: opts.routingKey },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  };
  return { channel: opts.channel, data: kombuJson(envelope) };
}
