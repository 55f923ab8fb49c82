import { parseEnvelope } from './envelope';
import { kombuJson } from './kombu-json';

// A waiting message moved to another queue must say so in its envelope: when a worker takes it and
// is lost, kombu's visibility-timeout restore sends it back to the queue named by
// properties.delivery_info (anonymous exchange "": routing key = queue name, protocol doc §4.5).
// Pure. The rest of the message is kept byte for byte when its delivery_info is written as kombu
// writes it (the usual case); otherwise the envelope is re-serialized as kombu would write it
// (the base64 body is a string and stays untouched either way).

const DELIVERY_INFO = '"delivery_info": ';

/** The message routed to `queue` via the anonymous exchange, or null when it is no envelope a worker accepts. */
export function rerouteMessage(raw: Buffer, queue: string): Buffer | null {
  const text = raw.toString('utf8');
  const env = parseEnvelope(text);
  if (!env.ok) return null;
  const info = env.value.properties.delivery_info;
  if (typeof env.value.properties.delivery_tag !== 'string' || typeof info?.exchange !== 'string' || typeof info.routing_key !== 'string') return null;
  const routed = { ...info, exchange: '', routing_key: queue };
  const spelled = DELIVERY_INFO + kombuJson(info);
  const at = text.indexOf(spelled);
  const out =
    at >= 0 && text.indexOf(spelled, at + 1) < 0
      ? text.slice(0, at) + DELIVERY_INFO + kombuJson(routed) + text.slice(at + spelled.length)
      : kombuJson({ ...(JSON.parse(text) as Record<string, unknown>), properties: { ...env.value.properties, delivery_info: routed } });
  return isRoutedTo(out, queue) ? Buffer.from(out, 'utf8') : null;
}

/** Validates what is about to be pushed: an envelope with a delivery tag, routed to `queue`. */
export function isRoutedTo(message: string, queue: string): boolean {
  const env = parseEnvelope(message);
  if (!env.ok) return false;
  const p = env.value.properties;
  return typeof p.delivery_tag === 'string' && p.delivery_info?.exchange === '' && p.delivery_info.routing_key === queue;
}
