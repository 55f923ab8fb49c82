import { z } from 'zod';

// The kombu envelope (protocol doc §2): one JSON text around a (usually base64) serialized body.

export const EnvelopeSchema = z.looseObject({
  body: z.string(),
  'content-type': z.string().optional(),
  'content-encoding': z.string().optional(),
  headers: z.record(z.string(), z.unknown()).nullish(),
  properties: z
    .looseObject({
      body_encoding: z.string().nullish(),
      delivery_tag: z.string().optional(),
      delivery_info: z
        .looseObject({ exchange: z.string().optional(), routing_key: z.string().optional(), redelivered: z.boolean().nullish() })
        .optional(),
      priority: z.number().nullish(),
    })
    .default({}),
});

export type Envelope = z.infer<typeof EnvelopeSchema>;

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: MalformedReason; detail: string };
export type MalformedReason = 'not-json' | 'not-envelope' | 'unsupported-content-type' | 'bad-body' | 'bad-event';

export function parseEnvelope(raw: Buffer | string): DecodeResult<Envelope> {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not-json', detail: 'message is not JSON' };
  }
  const parsed = EnvelopeSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'not-envelope', detail: 'message is not a kombu envelope' };
  return { ok: true, value: parsed.data };
}

/** The body's raw bytes: base64-decoded when `body_encoding` says so, else the text itself. */
export function bodyBytes(env: Envelope): Buffer {
  return env.properties.body_encoding === 'base64' ? Buffer.from(env.body, 'base64') : Buffer.from(env.body, 'utf8');
}

/** Decodes a JSON body. Pickle, msgpack and YAML are reported, never evaluated. */
export function decodeJsonBody(env: Envelope): DecodeResult<unknown> {
  const ct = env['content-type'] ?? 'application/json';
  if (ct !== 'application/json')
    return { ok: false, reason: 'unsupported-content-type', detail: `content-type ${ct} is not decoded` };
  try {
    return { ok: true, value: JSON.parse(bodyBytes(env).toString('utf8')) };
  } catch {
    return { ok: false, reason: 'bad-body', detail: 'body is not valid JSON' };
  }
}

/** kombu ≥ 5.3 tags datetime/Decimal/UUID/bytes as {"__type__", "__value__"}; show the value. */
export function untagJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untagJson);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 2 && '__type__' in obj && '__value__' in obj) return obj.__value__;
    return Object.fromEntries(keys.map((k) => [k, untagJson(obj[k])]));
  }
  return value;
}
