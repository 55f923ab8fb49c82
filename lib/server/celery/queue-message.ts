import { z } from 'zod';
import { decodeJsonBody, parseEnvelope, untagJson, type Envelope } from './envelope';

// Task messages as they wait in a queue list or sit in `unacked` (protocol doc §2–§4). Pure.
// Protocol v2 keeps id/name/eta in the headers (readable even when the body is pickle);
// protocol v1 has everything in the body (§3.6). Nothing here ever evaluates a pickle.

export interface QueueMessageView {
  /** Task id, or null when the message does not say (undecodable v1). */
  id: string | null;
  task: string | null;
  argsRepr: string | null;
  kwargsRepr: string | null;
  eta: string | null;
  expires: string | null;
  /** `properties.priority` (0–9; 0 is the highest on Redis). */
  priority: number;
  /** The priority band (list) it was read from, when known. */
  band: number | null;
  retries: number | null;
  /** Restored after a lost worker / visibility timeout (§4.5). */
  redelivered: boolean;
  /** Bytes of the raw message. */
  size: number;
  protocol: 1 | 2 | null;
  contentType: string;
  deliveryTag: string | null;
  exchange: string | null;
  routingKey: string | null;
  /** Set when the body could not be decoded, e.g. "undecodable (application/x-python-serialize)". */
  undecodable: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : null);
const MAX_REPR = 1024;
const clip = (s: string | null): string | null => (s !== null && s.length > MAX_REPR ? `${s.slice(0, MAX_REPR)}…` : s);

const V2Body = z.tuple([z.array(z.unknown()), z.record(z.string(), z.unknown())]).rest(z.unknown());
const V1Body = z.looseObject({
  task: z.string(),
  id: z.string(),
  args: z.array(z.unknown()).optional(),
  kwargs: z.record(z.string(), z.unknown()).optional(),
  eta: z.string().nullish(),
  expires: z.string().nullish(),
  retries: z.number().nullish(),
});

/** A short repr for decoded args/kwargs when the publisher sent no argsrepr. */
function repr(value: unknown): string {
  return JSON.stringify(untagJson(value)) ?? 'null';
}

/** Decodes one raw queue message for display. Never throws. */
export function decodeQueueMessage(raw: Buffer | string, band: number | null = null): QueueMessageView {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.length;
  const env = parseEnvelope(raw);
  if (!env.ok) return { ...empty(size, band), undecodable: `undecodable (${env.reason === 'not-json' ? 'not JSON' : 'not a kombu envelope'})` };
  return fromEnvelope(env.value, size, band);
}

function empty(size: number, band: number | null): QueueMessageView {
  return {
    id: null, task: null, argsRepr: null, kwargsRepr: null, eta: null, expires: null, priority: 0, band, retries: null,
    redelivered: false, size, protocol: null, contentType: 'unknown', deliveryTag: null, exchange: null, routingKey: null, undecodable: null,
  };
}

function fromEnvelope(env: Envelope, size: number, band: number | null): QueueMessageView {
  const h = env.headers ?? {};
  const p = env.properties;
  const contentType = env['content-type'] ?? 'application/json';
  const base: QueueMessageView = {
    ...empty(size, band),
    priority: int(p.priority) ?? 0,
    redelivered: h.redelivered === true || p.delivery_info?.redelivered === true,
    contentType,
    deliveryTag: str(p.delivery_tag),
    exchange: str(p.delivery_info?.exchange),
    routingKey: str(p.delivery_info?.routing_key),
    id: str(p.correlation_id),
  };
  const body = decodeJsonBody(env);
  const undecodable = body.ok ? null : `undecodable (${contentType})`;
  if (typeof h.task === 'string') {
    // Protocol v2: the headers alone identify the task.
    const decoded = body.ok ? V2Body.safeParse(body.value) : null;
    return {
      ...base,
      protocol: 2,
      id: str(h.id) ?? base.id,
      task: h.task,
      argsRepr: clip(str(h.argsrepr) ?? (decoded?.success ? repr(decoded.data[0]) : null)),
      kwargsRepr: clip(str(h.kwargsrepr) ?? (decoded?.success ? repr(decoded.data[1]) : null)),
      eta: str(h.eta),
      expires: str(h.expires),
      retries: int(h.retries),
      undecodable: undecodable ?? (decoded?.success ? null : 'undecodable (body is not [args, kwargs, embed])'),
    };
  }
  if (!body.ok) return { ...base, undecodable };
  const v1 = V1Body.safeParse(body.value);
  if (!v1.success) return { ...base, undecodable: 'undecodable (neither task protocol v1 nor v2)' };
  return {
    ...base,
    protocol: 1,
    id: v1.data.id,
    task: v1.data.task,
    argsRepr: clip(repr(v1.data.args ?? [])),
    kwargsRepr: clip(repr(v1.data.kwargs ?? {})),
    eta: v1.data.eta ?? null,
    expires: v1.data.expires ?? null,
    retries: v1.data.retries ?? null,
  };
}

/** The task id of a raw message without building the full view (v2 headers, then v1 body). */
export function messageTaskId(raw: Buffer | string): string | null {
  // The sampler asks this of every new head, a few hundred times a sample: a protocol v2 envelope
  // carries the id in its headers, read without validating the whole envelope; anything else takes
  // the full decoding.
  try {
    const json: unknown = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
    const headers = json && typeof json === 'object' && 'headers' in json ? json.headers : null;
    const id = headers && typeof headers === 'object' && 'id' in headers ? headers.id : null;
    if (typeof id === 'string' && id !== '') return id;
  } catch {
    return null;
  }
  return decodeQueueMessage(raw).id;
}

export interface UnackedEntry {
  deliveryTag: string | null;
  exchange: string;
  routingKey: string;
  /** The task's ETA when it has one: a worker holds it until then (§8.6). */
  eta: string | null;
  taskId: string | null;
}

const UnackedTuple = z.tuple([z.unknown(), z.string(), z.string()]);

/** Decodes one `unacked` hash value: `[envelope, exchange, routing_key]` (§4.4). Null when malformed. */
export function decodeUnackedEntry(raw: Buffer | string): UnackedEntry | null {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return null;
  }
  const t = UnackedTuple.safeParse(json);
  if (!t.success) return null;
  const [envelope, exchange, routingKey] = t.data;
  const view = decodeQueueMessage(JSON.stringify(envelope));
  return { deliveryTag: view.deliveryTag, exchange, routingKey, eta: view.eta, taskId: view.id };
}
