import type { BackendMeta } from '@/lib/schemas/api';
import { parseArgsRepr, parseKwargsRepr, type JsonValue } from '../celery/python-literal';
import { jsonSafety, type TaskSpec } from '../celery/task-message';

// What a retry publishes for one task, or why it cannot: the same name, args, kwargs, queue and
// routing. Arguments come from the result backend's extended fields (`result_extended`: exact
// JSON) when present, else from the args/kwargs repr when it reads completely as a Python literal
// and was not truncated (python-literal.ts), else from the operator. Pure.

export type ArgsSource = 'backend' | 'repr' | 'operator';

/** What Trellis knows of the task (from its events). */
export interface KnownTask {
  id: string;
  name: string | null;
  queue: string | null;
  exchange: string | null;
  routingKey: string | null;
  args: string | null;
  kwargs: string | null;
}

export interface RetryOptions {
  /** Operator-entered arguments (one task only). */
  args?: JsonValue[];
  kwargs?: Record<string, JsonValue>;
  /** Where to publish when the task's queue is not known, or to override it. */
  queue?: string;
  /** 0–9. Celery's events and results do not record a message's priority: 0 (band 0) unless given. */
  priority?: number;
}

export type RetryPlan =
  | { ok: true; id: string; spec: TaskSpec & { name: string; queue: string }; source: ArgsSource }
  | { ok: false; id: string; reason: string };

export function planRetry(task: KnownTask, meta: BackendMeta | null, opts: RetryOptions): RetryPlan {
  const extra = meta?.extra ?? {};
  // The backend's `name` is the registered task; an event's may be a shadow name (§3.2).
  const name = (typeof extra.name === 'string' && extra.name ? extra.name : null) ?? task.name;
  if (!name) return { ok: false, id: task.id, reason: 'the task name is unknown (no event or result names it)' };
  const queue = opts.queue ?? task.queue ?? (typeof extra.queue === 'string' && extra.queue ? extra.queue : null) ?? task.routingKey;
  if (!queue) return { ok: false, id: task.id, reason: 'the queue is unknown (no task-sent event, no extended result): give `queue`' };
  const args = argumentsFor(task, extra, opts);
  if (!args.ok) return { ok: false, id: task.id, reason: args.reason };
  const routed = task.queue === queue && task.exchange ? { exchange: task.exchange, routingKey: task.routingKey ?? queue } : {};
  return {
    ok: true,
    id: task.id,
    source: args.source,
    spec: { name, queue, ...routed, args: args.args, kwargs: args.kwargs, priority: opts.priority ?? null },
  };
}

type Arguments = { ok: true; args: JsonValue[]; kwargs: Record<string, JsonValue>; source: ArgsSource } | { ok: false; reason: string };

function argumentsFor(task: KnownTask, extra: Record<string, unknown>, opts: RetryOptions): Arguments {
  if (opts.args !== undefined || opts.kwargs !== undefined) return { ok: true, args: opts.args ?? [], kwargs: opts.kwargs ?? {}, source: 'operator' };
  const fromBackend = backendArguments(extra);
  if (fromBackend) return fromBackend;
  if (task.args === null || task.kwargs === null)
    return { ok: false, reason: 'the arguments are unknown: the result backend has no extended fields (result_extended) and no event carried them' };
  const args = parseArgsRepr(task.args);
  if (!args.ok) return { ok: false, reason: `args cannot be read back from their repr (${args.reason}: ${args.detail}), and the result backend has no extended fields` };
  const kwargs = parseKwargsRepr(task.kwargs);
  if (!kwargs.ok) return { ok: false, reason: `kwargs cannot be read back from their repr (${kwargs.reason}: ${kwargs.detail}), and the result backend has no extended fields` };
  return { ok: true, args: args.value as JsonValue[], kwargs: kwargs.value as Record<string, JsonValue>, source: 'repr' };
}

/** `result_extended` stores args (a list) and kwargs (a dict) as the worker decoded them. */
function backendArguments(extra: Record<string, unknown>): Arguments | null {
  const { args, kwargs } = extra;
  if (!Array.isArray(args) || !kwargs || typeof kwargs !== 'object' || Array.isArray(kwargs)) return null;
  if (jsonSafety(args) || jsonSafety(kwargs)) return null;
  return { ok: true, args: args as JsonValue[], kwargs: kwargs as Record<string, JsonValue>, source: 'backend' };
}
