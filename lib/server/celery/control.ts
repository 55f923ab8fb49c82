import { z } from 'zod';
import { parseEnvelope, decodeJsonBody } from './envelope';
import { KOMBU_SEP } from './names';
import { redactUrl, SECRET_NAME } from '../redis/url';

// Remote-control ("pidbox") messages, protocol doc §6. Pure: builds and validates requests,
// decodes replies. Only whitelisted commands with their exact arguments can be built: read-only
// inspect commands, and the control commands of §6.5 that operators use. `election` crashed a
// worker and `hello` merges revokes into workers (§6.5), so they are unrepresentable.

export const INSPECT_COMMANDS = [
  'ping',
  'stats',
  'active',
  'reserved',
  'scheduled',
  'revoked',
  'registered',
  'active_queues',
  'conf',
  'query_task',
] as const;
export type InspectCommand = (typeof INSPECT_COMMANDS)[number];
export const InspectCommandSchema = z.enum(INSPECT_COMMANDS);

/** A task id as control messages carry it (printable ASCII, bounded). */
export const TaskIdSchema = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'task ids are printable ASCII');
const TaskId = TaskIdSchema;
const TASK_INFO_ITEMS = ['exchange', 'routing_key', 'rate_limit', 'acks_late', 'max_retries', 'time_limit', 'soft_time_limit', 'ignore_result'] as const;

/** Arguments each command accepts (strict: anything else is refused before publish). */
export const INSPECT_ARGUMENTS = {
  ping: z.object({}).strict(),
  stats: z.object({}).strict(),
  active: z.object({ safe: z.boolean().optional() }).strict(),
  reserved: z.object({}).strict(),
  scheduled: z.object({}).strict(),
  revoked: z.object({}).strict(),
  registered: z.object({ taskinfoitems: z.array(z.enum(TASK_INFO_ITEMS)).max(TASK_INFO_ITEMS.length).optional() }).strict(),
  active_queues: z.object({}).strict(),
  conf: z.object({ with_defaults: z.boolean().optional() }).strict(),
  query_task: z.object({ ids: z.array(TaskId).min(1).max(100) }).strict(),
} satisfies Record<InspectCommand, z.ZodType>;

export const CONTROL_COMMANDS = [
  'revoke',
  'terminate',
  'rate_limit',
  'time_limit',
  'pool_grow',
  'pool_shrink',
  'autoscale',
  'add_consumer',
  'cancel_consumer',
  'enable_events',
  'disable_events',
  'pool_restart',
  'shutdown',
  'heartbeat',
] as const;
export type ControlCommand = (typeof CONTROL_COMMANDS)[number];
export const ControlCommandSchema = z.enum(CONTROL_COMMANDS);
export type RemoteCommand = InspectCommand | ControlCommand;

/** Ids per revoke message: a worker keeps at most 50,000 revoked ids (§6.6), and a message stays small. */
export const MAX_REVOKE_IDS_PER_MESSAGE = 10_000;

/** Signal names Celery's `signals.signum` resolves. */
const WIRE_SIGNALS = ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;
const WireSignal = z.enum(WIRE_SIGNALS);
/** What an API caller may write ("TERM", "sigkill"…), as the wire form ("SIGKILL"). */
export const SignalSchema = z
  .string()
  .transform((s) => `SIG${s.toUpperCase().replace(/^SIG/, '')}`)
  .pipe(WireSignal);

/** A registered task name as Celery writes them (module.function), bounded. */
export const TaskNameSchema = z.string().min(1).max(255).regex(/^[A-Za-z_][\w.:-]*$/, 'a task name is letters, digits and _.:- (e.g. tasks.add)');
/** A queue name: printable, no kombu separator, bounded. */
export const QueueNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\x00-\x1f\x7f\s]+$/, 'queue names are printable, without spaces')
  .refine((q) => !q.includes(KOMBU_SEP), 'queue names cannot contain the kombu separator');
/** Celery rate limits: "10/s", "5/m", "100/h", or a number of tasks per second; null removes the limit. */
export const RateLimitSchema = z.union([z.string().regex(/^\d+(\.\d+)?(\/[smh])?$/, 'a rate limit is N, N/s, N/m or N/h'), z.number().nonnegative()]).nullable();
const Seconds = z.number().positive().max(7 * 86400).nullable();

/** Arguments each control command accepts (strict), exactly the keys §6.5 lists. */
export const CONTROL_ARGUMENTS = {
  revoke: z.object({ task_id: z.union([TaskId, z.array(TaskId).min(1).max(MAX_REVOKE_IDS_PER_MESSAGE)]), terminate: z.boolean().optional(), signal: WireSignal.optional() }).strict(),
  terminate: z.object({ task_id: z.union([TaskId, z.array(TaskId).min(1).max(MAX_REVOKE_IDS_PER_MESSAGE)]), signal: WireSignal.optional() }).strict(),
  rate_limit: z.object({ task_name: TaskNameSchema, rate_limit: RateLimitSchema }).strict(),
  time_limit: z.object({ task_name: TaskNameSchema, soft: Seconds.optional(), hard: Seconds.optional() }).strict(),
  pool_grow: z.object({ n: z.number().int().min(1).max(100) }).strict(),
  pool_shrink: z.object({ n: z.number().int().min(1).max(100) }).strict(),
  autoscale: z
    .object({ max: z.number().int().min(1).max(1000), min: z.number().int().min(0).max(1000) })
    .strict()
    .refine((a) => a.min <= a.max, 'autoscale: min must not exceed max'),
  add_consumer: z
    .object({ queue: QueueNameSchema, exchange: QueueNameSchema.optional(), exchange_type: z.enum(['direct', 'topic', 'fanout']).optional(), routing_key: QueueNameSchema.optional() })
    .strict(),
  cancel_consumer: z.object({ queue: QueueNameSchema }).strict(),
  enable_events: z.object({}).strict(),
  disable_events: z.object({}).strict(),
  pool_restart: z.object({ modules: z.array(z.string().regex(/^[A-Za-z_][\w.]*$/)).max(100).optional(), reload: z.boolean().optional() }).strict(),
  shutdown: z.object({ msg: z.string().max(200).optional() }).strict(),
  heartbeat: z.object({}).strict(),
} satisfies Record<ControlCommand, z.ZodType>;

const ARGUMENTS: Record<RemoteCommand, z.ZodType> = { ...INSPECT_ARGUMENTS, ...CONTROL_ARGUMENTS };

/** Validates a command's arguments (throws a ZodError on anything not allowed). */
export function parseCommandArguments(method: RemoteCommand, args: unknown): Record<string, unknown> {
  return ARGUMENTS[method].parse(args ?? {}) as Record<string, unknown>;
}

/** A worker node name (`name@host`): printable, no kombu separator, bounded. */
export const NodeNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\x00-\x1f\x7f]+$/, 'node names have no control characters');

const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

/** The naming a control call needs; `celeryNames()` provides all of it. */
export interface ControlNaming {
  pidboxChannel: string;
  replyExchange: string;
  replyQueueKey: (replyId: string) => string;
  bindingKey: (exchange: string) => string;
  queueBandKeys: (queue: string) => Array<{ step: number; key: string }>;
}

export interface ControlRequestInput {
  method: RemoteCommand;
  arguments?: Record<string, unknown>;
  /** null = every worker. */
  destination?: string[] | null;
  timeoutSeconds: number;
  /** Epoch seconds. */
  now: number;
  ticket: string;
  replyId: string;
  deliveryTag: string;
}

export interface ControlRequest {
  /** PUBLISH here (the fanout channel every worker subscribes to). */
  channel: string;
  /** The serialized envelope. */
  message: string;
  ticket: string;
  /** SADD this member to `bindingKey` BEFORE publishing, SREM it afterwards. */
  bindingKey: string;
  bindingMember: string;
  /** BRPOP here for replies. */
  replyKey: string;
  /** Every list the worker could reply into (one per priority band): DEL them all afterwards. */
  cleanupKeys: string[];
}

/** Builds an inspect request (§6.2) and validates it as it will go on the wire. Throws on anything invalid. */
export function buildControlRequest(names: ControlNaming, input: ControlRequestInput): ControlRequest {
  const requestExchange = names.replyExchange.replace(/^reply\./, '');
  const replyQueue = `${input.replyId}.${names.replyExchange}`;
  const body = {
    method: input.method,
    arguments: input.arguments ?? {},
    destination: input.destination ?? null,
    pattern: null,
    matcher: null,
    ticket: input.ticket,
    reply_to: { exchange: names.replyExchange, routing_key: input.replyId },
  };
  const envelope = {
    body: Buffer.from(JSON.stringify(body), 'utf8').toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: { clock: 1, expires: input.now + input.timeoutSeconds },
    properties: {
      delivery_mode: 2,
      delivery_info: { exchange: requestExchange, routing_key: '' },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: input.deliveryTag,
    },
  };
  const message = JSON.stringify(envelope);
  validateControlMessage(message, names);
  return {
    channel: names.pidboxChannel,
    message,
    ticket: input.ticket,
    bindingKey: names.bindingKey(names.replyExchange),
    bindingMember: `${input.replyId}${KOMBU_SEP}${KOMBU_SEP}${replyQueue}`,
    replyKey: names.replyQueueKey(input.replyId),
    cleanupKeys: names.queueBandKeys(replyQueue).map((b) => b.key),
  };
}

const RequestEnvelopeSchema = z
  .object({
    body: z.string().min(1),
    'content-encoding': z.literal('utf-8'),
    'content-type': z.literal('application/json'),
    headers: z.object({ clock: z.number().int().nonnegative(), expires: z.number().positive() }).strict(),
    properties: z
      .object({
        delivery_mode: z.literal(2),
        delivery_info: z.object({ exchange: z.string().min(1), routing_key: z.literal('') }).strict(),
        priority: z.literal(0),
        body_encoding: z.literal('base64'),
        delivery_tag: Uuid,
      })
      .strict(),
  })
  .strict();

const RequestBodySchema = z
  .object({
    method: z.enum([...INSPECT_COMMANDS, ...CONTROL_COMMANDS]),
    arguments: z.record(z.string(), z.unknown()),
    destination: z.array(NodeNameSchema).min(1).max(100).nullable(),
    pattern: z.null(),
    matcher: z.null(),
    ticket: Uuid,
    reply_to: z.object({ exchange: z.string().min(1), routing_key: Uuid }).strict(),
  })
  .strict();

/**
 * Validates a serialized control request exactly as it would be published: a well-formed envelope
 * (a malformed one can crash workers, §2.3), a whitelisted method with its allowed arguments, and a
 * reply address on this broker's reply exchange. Throws a ZodError or Error when not.
 */
export function validateControlMessage(message: string, names: Pick<ControlNaming, 'replyExchange'>): void {
  const env = RequestEnvelopeSchema.parse(JSON.parse(message));
  if (env.properties.delivery_info.exchange !== names.replyExchange.replace(/^reply\./, ''))
    throw new Error('control request addressed to another exchange');
  const body = RequestBodySchema.parse(JSON.parse(Buffer.from(env.body, 'base64').toString('utf8')));
  ARGUMENTS[body.method].parse(body.arguments);
  if (body.reply_to.exchange !== names.replyExchange) throw new Error('reply_to is not this broker’s reply exchange');
}

export type ControlReply =
  | { kind: 'reply'; node: string; result: unknown }
  | { kind: 'other-ticket' }
  | { kind: 'undecodable'; contentType: string }
  | { kind: 'malformed'; detail: string };

/** Decodes one reply popped from the reply list (§6.3): `{"<node>": <result>}` under our ticket. */
export function decodeControlReply(raw: Buffer | string, ticket: string): ControlReply {
  const { ticket: got, reply } = decodeTicketedReply(raw);
  if (got === ticket) return reply;
  return got === null && reply.kind === 'malformed' ? reply : { kind: 'other-ticket' }; // a malformed envelope has no ticket
}

/** Decodes one reply and says whose it is (`headers.ticket`; null when absent or malformed): a
 *  reply queue shared by several calls dispatches replies by ticket. */
export function decodeTicketedReply(raw: Buffer | string): { ticket: string | null; reply: ControlReply } {
  const env = parseEnvelope(raw);
  if (!env.ok) return { ticket: null, reply: { kind: 'malformed', detail: env.detail } };
  const ticket = env.value.headers?.ticket;
  if (typeof ticket !== 'string') return { ticket: null, reply: { kind: 'other-ticket' } };
  const ct = env.value['content-type'] ?? 'application/json';
  const body = decodeJsonBody(env.value);
  if (!body.ok) return { ticket, reply: body.reason === 'unsupported-content-type' ? { kind: 'undecodable', contentType: ct } : { kind: 'malformed', detail: body.detail } };
  const v = body.value;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { ticket, reply: { kind: 'malformed', detail: 'reply body is not an object' } };
  const entries = Object.entries(v as Record<string, unknown>);
  const first = entries[0];
  if (entries.length !== 1 || !first) return { ticket, reply: { kind: 'malformed', detail: 'reply body must have exactly one node' } };
  return { ticket, reply: { kind: 'reply', node: first[0], result: first[1] } };
}

/** Redacts credentials from `conf`/`stats` replies (§8.15): secret-looking keys, and passwords inside URLs anywhere in a string or a key. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 20) return '[too deep]';
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        redactUrl(k),
        SECRET_NAME.test(k) && v !== null && v !== '' && typeof v !== 'boolean' ? '***' : redactSecrets(v, depth + 1),
      ]),
    );
  }
  return value;
}
