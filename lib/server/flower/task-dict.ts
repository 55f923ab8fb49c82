import type { TaskDetail } from '@/lib/schemas/api';

// A task as Flower's API writes it (celery.events.state.Task.as_dict() with the worker's hostname):
// the same 31 keys, in Flower's order, from Trellis' record of the task's events. Pure.

export type FlowerTask = {
  uuid: string;
  name: string | null;
  state: string;
  received: number | null;
  sent: number | null;
  started: number | null;
  rejected: number | null;
  succeeded: number | null;
  failed: number | null;
  retried: number | null;
  revoked: number | null;
  args: string | null;
  kwargs: string | null;
  eta: string | null;
  expires: string | null;
  retries: number;
  result: string | null;
  exception: string | null;
  timestamp: number | null;
  runtime: number | null;
  traceback: string | null;
  exchange: string | null;
  routing_key: string | null;
  clock: number;
  client: string | null;
  root: string | null;
  root_id: string | null;
  parent: string | null;
  parent_id: string | null;
  children: string[];
  worker: string | null;
};

type TaskRecord = Pick<TaskDetail, 'id' | 'name' | 'state' | 'worker' | 'rootId' | 'parentId' | 'retries' | 'args' | 'kwargs' | 'result' | 'exception' | 'eta' | 'expires' | 'sent' | 'received' | 'started' | 'runtime' | 'traceback' | 'exchange' | 'routingKey' | 'clientHostname' | 'events'>;

/** When the task's last event of each kind was sent (Flower keeps one time per kind). */
function lastTimes(events: TaskRecord['events']): Map<string, number> {
  const at = new Map<string, number>();
  for (const e of events) if (e.timestamp !== null) at.set(e.type, Math.max(at.get(e.type) ?? 0, e.timestamp));
  return at;
}

/**
 * The repr the last task-failed event carried, as Flower shows it (`ValueError('bad thing')`), except
 * billiard's uninformative `ExceptionWithTraceback()` wrapper, where Trellis' text names the real exception.
 */
function exceptionRepr(t: TaskRecord): string | null {
  const raw = t.events.filter((e) => e.type === 'task-failed').at(-1)?.fields.exception;
  return typeof raw === 'string' && !raw.startsWith('ExceptionWithTraceback(') ? raw : t.exception;
}

export function toFlowerTask(t: TaskRecord, children: string[] = []): FlowerTask {
  const at = lastTimes(t.events);
  const observed = t.events.filter((e) => !e.inferred);
  const last = observed.reduce<number | null>((m, e) => (e.timestamp !== null && (m === null || e.timestamp > m) ? e.timestamp : m), null);
  const clock = observed.reduce((m, e) => (typeof e.fields.clock === 'number' ? Math.max(m, e.fields.clock) : m), 0);
  return {
    uuid: t.id,
    name: t.name,
    state: t.state,
    received: t.received,
    sent: t.sent,
    started: t.started,
    rejected: at.get('task-rejected') ?? null,
    succeeded: at.get('task-succeeded') ?? null,
    failed: at.get('task-failed') ?? null,
    retried: at.get('task-retried') ?? null,
    revoked: at.get('task-revoked') ?? null,
    args: t.args,
    kwargs: t.kwargs,
    eta: t.eta,
    expires: t.expires,
    retries: t.retries,
    result: t.result,
    exception: exceptionRepr(t),
    timestamp: last,
    runtime: t.runtime,
    traceback: t.traceback,
    exchange: t.exchange,
    routing_key: t.routingKey,
    clock,
    client: t.clientHostname,
    root: t.rootId,
    root_id: t.rootId,
    parent: t.parentId,
    parent_id: t.parentId,
    children,
    worker: t.worker,
  };
}
