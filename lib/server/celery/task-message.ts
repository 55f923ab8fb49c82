import { z } from 'zod';
import type { CeleryNames } from './names';
import { QueueNameSchema, TaskNameSchema } from './control';
import { toPythonRepr, type JsonValue } from './python-literal';

// A Celery protocol-v2 task message for the Redis transport (protocol doc §3.1–3.5), built and
// validated exactly as it goes on the wire. Pure. A malformed task message crashes real workers
// (§2.3), so nothing is published that `validateTaskMessage` has not accepted.

/** The largest task message published (Celery has no limit; a queue of huge messages hurts Redis and workers). */
export const MAX_TASK_MESSAGE_BYTES = 1024 * 1024;
/** Nesting of args/kwargs (kombu's json and the worker's own repr recurse on it). */
export const MAX_ARGUMENT_DEPTH = 64;
/** Celery's `argsrepr_maxsize`/`kwargsrepr_maxsize`. */
export const REPR_MAXSIZE = 1024;

const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lowercase UUID');
/** Task ids as Celery accepts them (any printable ASCII; Trellis makes UUIDs). */
export const TaskIdSchema = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'task ids are printable ASCII');
/** ISO-8601 in UTC as Python writes it (`2026-11-22T07:36:45.325301+00:00`); Celery drops a message whose eta it cannot parse. */
const IsoUtc = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/, 'ISO-8601 UTC with microseconds and +00:00')
  .refine((s) => Number.isFinite(Date.parse(s.replace('+00:00', 'Z'))) && new Date(s.replace('+00:00', 'Z')).toISOString().slice(0, 19) === s.slice(0, 19), 'not a real date');
const Seconds = z.number().positive().max(7 * 86400).nullable();
/** Keys of the broker that are not queues (a task pushed there would break Celery or Trellis). */
const RESERVED_QUEUE = /^(_kombu\.|unacked(_index|_mutex)?$|celery-task(set)?-meta-)|\.pidbox$|^celeryev(\.|$)/;
export const PublishQueueSchema = QueueNameSchema.refine((q) => !RESERVED_QUEUE.test(q), 'this name is one of the broker’s own keys, not a queue');
const Origin = z.string().min(1).max(255).regex(/^[\x20-\x7e]+$/);

/** A JSON value safe to publish: finite numbers, plain objects and arrays, bounded depth. */
export function jsonSafety(value: unknown, depth = 0): string | null {
  if (depth > MAX_ARGUMENT_DEPTH) return `nested deeper than ${MAX_ARGUMENT_DEPTH} levels`;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${value} has no JSON form`;
  if (Array.isArray(value)) {
    for (const v of value) {
      const bad = jsonSafety(v, depth + 1);
      if (bad) return bad;
    }
    return null;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) {
      const bad = jsonSafety(v, depth + 1);
      if (bad) return bad;
    }
    return null;
  }
  return `a ${typeof value} has no JSON form`;
}

const JsonArgs = z.array(z.unknown()).superRefine((v, c) => {
  const bad = jsonSafety(v);
  if (bad) c.addIssue({ code: 'custom', message: `args: ${bad}` });
});
const JsonKwargs = z.record(z.string(), z.unknown()).superRefine((v, c) => {
  const bad = jsonSafety(v);
  if (bad) c.addIssue({ code: 'custom', message: `kwargs: ${bad}` });
});

/** What a caller may ask to publish (API input is parsed with it). */
export const TaskSpecSchema = z
  .object({
    name: TaskNameSchema,
    args: JsonArgs.default([]),
    kwargs: JsonKwargs.default({}),
    queue: PublishQueueSchema.default('celery'),
    /** The message's routing as recorded in `delivery_info` (the list is always the queue's). */
    exchange: z.string().max(200).regex(/^[^\x00-\x1f\x7f]*$/).default(''),
    routingKey: z.string().min(1).max(200).regex(/^[^\x00-\x1f\x7f]*$/).optional(),
    priority: z.number().int().min(0).max(9).nullable().default(null),
    eta: z.union([IsoUtc, z.date()]).nullable().default(null),
    expires: z.union([IsoUtc, z.date()]).nullable().default(null),
    timeLimit: z.tuple([Seconds, Seconds]).default([null, null]),
    ignoreResult: z.boolean().default(false),
  })
  .strict()
  .refine((s) => s.exchange !== '' || s.routingKey === undefined || s.routingKey === s.queue, 'on the default exchange the routing key is the queue');
export type TaskSpec = z.input<typeof TaskSpecSchema>;

export interface TaskMessageIds {
  id: string;
  deliveryTag: string;
  /** `name@host` of the publisher. */
  origin: string;
}

export interface BuiltTaskMessage {
  id: string;
  /** LPUSH the message here (the queue's list for the priority's band). */
  listKey: string;
  /** SADD the queue's binding, as Celery declares a queue (§3.5, §4.3): makes it discoverable. */
  bindingKey: string;
  bindingMember: string;
  message: string;
}

type Naming = Pick<CeleryNames, 'queueBandKey' | 'stepForPriority' | 'bindingKey' | 'bindingMember'>;

/** Python's isoformat for a UTC time: microseconds and +00:00. */
export function pythonIsoUtc(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

/** Python's saferepr-like repr, cut at Celery's maxsize with its "..." marker (read back as truncated). */
function reprOf(value: JsonValue, tuple: boolean): string {
  const full = toPythonRepr(value, tuple);
  if (full.length <= REPR_MAXSIZE) return full;
  const cut = /[\ud800-\udbff]/.test(full[REPR_MAXSIZE - 1] ?? '') ? REPR_MAXSIZE - 1 : REPR_MAXSIZE; // never half a surrogate pair
  return `${full.slice(0, cut)}, ...`;
}

/** Builds the message; throws a ZodError on any input (or resulting message) the protocol does not allow. */
export function buildTaskMessage(naming: Naming, input: TaskSpec, ids: TaskMessageIds): BuiltTaskMessage {
  const spec = TaskSpecSchema.parse(input);
  const args = spec.args as JsonValue[];
  const kwargs = spec.kwargs as Record<string, JsonValue>;
  const iso = (v: string | Date | null) => (v instanceof Date ? pythonIsoUtc(v) : v);
  const body = [args, kwargs, { callbacks: null, errbacks: null, chain: null, chord: null }];
  const envelope = {
    body: Buffer.from(JSON.stringify(body), 'utf8').toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: {
      lang: 'py',
      task: spec.name,
      id: ids.id,
      shadow: null,
      eta: iso(spec.eta),
      expires: iso(spec.expires),
      group: null,
      group_index: null,
      retries: 0,
      timelimit: spec.timeLimit,
      root_id: ids.id,
      parent_id: null,
      argsrepr: reprOf(args, true),
      kwargsrepr: reprOf(kwargs, false),
      origin: ids.origin,
      ignore_result: spec.ignoreResult,
    },
    properties: {
      correlation_id: ids.id,
      reply_to: '',
      delivery_mode: 2,
      delivery_info: { exchange: spec.exchange, routing_key: spec.routingKey ?? spec.queue },
      priority: spec.priority ?? 0,
      body_encoding: 'base64',
      delivery_tag: ids.deliveryTag,
    },
  };
  const message = JSON.stringify(envelope);
  validateTaskMessage(message);
  return {
    id: ids.id,
    listKey: naming.queueBandKey(spec.queue, naming.stepForPriority(spec.priority ?? 0)),
    bindingKey: naming.bindingKey(spec.queue),
    bindingMember: naming.bindingMember(spec.queue, '', spec.queue),
    message,
  };
}

const HeadersSchema = z
  .object({
    lang: z.literal('py'),
    task: TaskNameSchema,
    id: TaskIdSchema,
    shadow: z.null(),
    eta: IsoUtc.nullable(),
    expires: IsoUtc.nullable(),
    group: z.null(),
    group_index: z.null(),
    retries: z.literal(0),
    timelimit: z.tuple([Seconds, Seconds]),
    root_id: TaskIdSchema,
    parent_id: z.null(),
    argsrepr: z.string().max(REPR_MAXSIZE + 5),
    kwargsrepr: z.string().max(REPR_MAXSIZE + 5),
    origin: Origin,
    ignore_result: z.boolean(),
  })
  .strict();

const PropertiesSchema = z
  .object({
    correlation_id: TaskIdSchema,
    reply_to: z.literal(''),
    delivery_mode: z.literal(2),
    delivery_info: z.object({ exchange: z.string().max(200), routing_key: z.string().min(1).max(200) }).strict(),
    priority: z.number().int().min(0).max(9),
    body_encoding: z.literal('base64'),
    delivery_tag: Uuid,
  })
  .strict();

const EnvelopeSchema = z
  .object({
    body: z.string().min(1).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64'),
    'content-encoding': z.literal('utf-8'),
    'content-type': z.literal('application/json'),
    headers: HeadersSchema,
    properties: PropertiesSchema,
  })
  .strict();

const BodySchema = z.tuple([
  JsonArgs,
  JsonKwargs,
  z.object({ callbacks: z.null(), errbacks: z.null(), chain: z.null(), chord: z.null() }).strict(),
]);

/**
 * Validates a serialized task message exactly as it will be published: the size bound, a strict
 * envelope with the full header set (§3.2) and the properties of §3.4, a body that is base64 of
 * UTF-8 JSON holding exactly `[args, kwargs, embed]` with JSON-safe values, ids that agree.
 * Throws a ZodError or an Error.
 */
export function validateTaskMessage(message: string): void {
  if (Buffer.byteLength(message, 'utf8') > MAX_TASK_MESSAGE_BYTES) throw new Error(`task message larger than ${MAX_TASK_MESSAGE_BYTES} bytes`);
  const env = EnvelopeSchema.parse(JSON.parse(message));
  if (env.properties.correlation_id !== env.headers.id) throw new Error('correlation_id must be the task id');
  if (env.properties.delivery_info.exchange === '' && !PublishQueueSchema.safeParse(env.properties.delivery_info.routing_key).success)
    throw new Error('on the default exchange the routing key is the queue: not a queue name');
  const bytes = Buffer.from(env.body, 'base64');
  if (bytes.toString('base64') !== env.body) throw new Error('body is not canonical base64');
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  const body: unknown = JSON.parse(text);
  BodySchema.parse(body);
  if (JSON.stringify(body) !== text) throw new Error('body does not survive a JSON round trip');
}
