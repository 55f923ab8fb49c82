import { z } from 'zod';
import { decodeJsonBody, parseEnvelope, type MalformedReason } from './envelope';

// Celery events (protocol doc §5): a kombu envelope whose JSON body is one event or a list of
// events (`task.multi`, possibly empty). Pure decoding; no Redis here.

const num = z.number();
const str = z.string();

const BaseEvent = z.looseObject({
  type: str,
  hostname: str.optional(),
  timestamp: num.optional(),
  clock: num.optional(),
  pid: num.optional(),
  utcoffset: num.optional(),
});

export const TaskEventSchema = BaseEvent.extend({
  type: str.startsWith('task-'),
  uuid: str.min(1),
  name: str.nullish(),
  args: str.nullish(),
  kwargs: str.nullish(),
  root_id: str.nullish(),
  parent_id: str.nullish(),
  retries: num.nullish(),
  eta: str.nullish(),
  expires: str.nullish(),
  queue: str.nullish(),
  exchange: str.nullish(),
  routing_key: str.nullish(),
  result: z.unknown().optional(),
  runtime: num.nullish(),
  exception: str.nullish(),
  traceback: str.nullish(),
  terminated: z.boolean().nullish(),
  signum: z.union([num, str]).nullish(),
  expired: z.boolean().nullish(),
  requeue: z.boolean().nullish(),
});

export const WorkerEventSchema = BaseEvent.extend({
  type: z.enum(['worker-online', 'worker-heartbeat', 'worker-offline']),
  hostname: str.min(1),
  freq: num.nullish(),
  active: num.nullish(),
  processed: num.nullish(),
  loadavg: z.array(num).nullish(),
  sw_ident: str.nullish(),
  sw_ver: str.nullish(),
  sw_sys: str.nullish(),
});

export type TaskEvent = z.infer<typeof TaskEventSchema> & { local_received: number };
export type WorkerEvent = z.infer<typeof WorkerEventSchema> & { local_received: number };

export interface DecodedEventMessage {
  tasks: TaskEvent[];
  workers: WorkerEvent[];
  /** Events of other kinds (worker-elect, custom groups): valid, but not tracked. */
  ignored: number;
  /** Items inside an otherwise valid message that were not valid events. */
  malformed: number;
}

export type EventMessageResult =
  | { ok: true; value: DecodedEventMessage }
  | { ok: false; reason: MalformedReason; detail: string };

/** Decodes one pub/sub message from the celeryev channel. Never throws. */
export function decodeEventMessage(raw: Buffer | string, localReceived: number): EventMessageResult {
  const env = parseEnvelope(raw);
  if (!env.ok) return env;
  const body = decodeJsonBody(env.value);
  if (!body.ok) return body;
  const items = Array.isArray(body.value) ? body.value : [body.value];
  const out: DecodedEventMessage = { tasks: [], workers: [], ignored: 0, malformed: 0 };
  for (const item of items) {
    const type = item && typeof item === 'object' ? (item as { type?: unknown }).type : undefined;
    if (typeof type !== 'string') {
      out.malformed++;
      continue;
    }
    if (type.startsWith('task-')) {
      const ev = TaskEventSchema.safeParse(item);
      if (ev.success) out.tasks.push({ ...ev.data, local_received: localReceived });
      else out.malformed++;
    } else if (type === 'worker-online' || type === 'worker-heartbeat' || type === 'worker-offline') {
      const ev = WorkerEventSchema.safeParse(item);
      if (ev.success) out.workers.push({ ...ev.data, local_received: localReceived });
      else out.malformed++;
    } else {
      out.ignored++;
    }
  }
  if (items.length > 0 && out.malformed === items.length)
    return { ok: false, reason: 'bad-event', detail: 'no valid event in message' };
  return { ok: true, value: out };
}
