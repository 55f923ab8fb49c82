import type { TaskAttempt, TaskDetail, TaskEventView, TaskSummary } from '@/lib/schemas/api';
import { RECEIVED_MERGE_FIELDS, replacesState, stateForEvent } from '../celery/states';
import { eventTime, num, sortEvents, str, type StoredEvent } from './stored-event';
import type { TaskDoc } from './task-doc';

// Derives a task's record from its event log. Pure and deterministic: events are ordered by when
// they happened, then folded with Celery's state precedence (an event that logically happened
// before the current state only fills in fields), exactly as celery.events.state.Task does.

export type DerivedTask = Omit<TaskDetail, 'backend' | 'actions' | 'retriedAs' | 'retryOf'>;

const TERMINAL_OUTCOME: Record<string, TaskAttempt['outcome']> = {
  'task-succeeded': 'succeeded',
  'task-failed': 'failed',
  'task-retried': 'retried',
  'task-revoked': 'revoked',
  'task-rejected': 'rejected',
  'task-cancelled': 'cancelled',
};

/** State an inferred (reconciled) event stands for. */
function eventState(e: StoredEvent): string {
  if (e.type === 'trellis-reconciled') return str(e.state) ?? 'PENDING';
  return stateForEvent(e.type);
}

export function deriveTask(id: string, doc: TaskDoc): DerivedTask {
  const events = sortEvents(doc.e);
  let state: string | undefined;
  const f: Record<string, unknown> = {};
  const at: Record<string, number> = {};
  let firstSeen = Infinity;
  let lastUpdate = 0;
  let worker: string | null = null;
  let clientHostname: string | null = null;
  let parentId: string | null = null;
  let rootId: string | null = null;
  let retries = 0;
  let queue: string | null = null;
  let exchange: string | null = null;
  let routingKey: string | null = null;
  let failure: { exception: string | null; traceback: string | null } = { exception: null, traceback: null };
  let revoked: TaskDetail['revoked'] = null;

  for (const e of events) {
    const t = eventTime(e);
    firstSeen = Math.min(firstSeen, t);
    lastUpdate = Math.max(lastUpdate, e.lr);
    at[e.type] = t;
    const s = eventState(e);
    if (replacesState(state, s)) {
      state = s;
      Object.assign(f, e);
    } else if (s === 'RECEIVED') {
      for (const k of RECEIVED_MERGE_FIELDS) if (e[k] !== undefined) f[k] = e[k];
    } else {
      Object.assign(f, { ...e, type: f.type });
    }
    // Fields whose meaning does not depend on precedence.
    if (e.type === 'task-sent') {
      clientHostname = str(e.hostname) ?? clientHostname;
      queue = str(e.queue) ?? str(e.routing_key) ?? queue;
      exchange = str(e.exchange) ?? exchange;
      routingKey = str(e.routing_key) ?? routingKey;
    } else if (e.hostname && !e.inferred) {
      worker = e.hostname;
    }
    const pid = str(e.parent_id);
    if (pid && pid !== id && !parentId) parentId = pid; // a retry's message names the task itself as parent
    rootId ??= str(e.root_id);
    retries = Math.max(retries, num(e.retries) ?? 0);
    if (e.type === 'task-failed' || e.type === 'task-retried' || (e.inferred && e.traceback)) {
      failure = { exception: exceptionOf(e), traceback: str(e.traceback) };
    }
    if (e.type === 'task-revoked') {
      revoked = {
        terminated: e.terminated === true,
        signum: typeof e.signum === 'number' || typeof e.signum === 'string' ? e.signum : null,
        expired: e.expired === true,
      };
    }
    if (e.inferred && typeof e.queue === 'string') queue ??= e.queue;
  }

  const finalState = state ?? 'PENDING';
  const attempts = deriveAttempts(events);
  const last = attempts[attempts.length - 1];
  const succeeded = finalState === 'SUCCESS';
  const ended = at['task-succeeded'] ?? at['task-failed'] ?? at['task-revoked'] ?? at['task-rejected'] ?? at['task-retried'] ?? at['trellis-reconciled'] ?? null;

  return {
    id,
    name: str(f.name),
    state: finalState,
    worker,
    queue,
    rootId: rootId ?? id,
    parentId,
    retries,
    args: str(f.args),
    kwargs: str(f.kwargs),
    result: succeeded ? resultText(f.result) : null,
    exception: succeeded ? null : failure.exception,
    traceback: succeeded ? null : failure.traceback,
    eta: str(f.eta),
    expires: str(f.expires),
    firstSeen: Number.isFinite(firstSeen) ? firstSeen : 0,
    lastUpdate,
    sent: at['task-sent'] ?? null,
    received: at['task-received'] ?? null,
    started: at['task-started'] ?? null,
    ended,
    runtime: succeeded ? (num(f.runtime) ?? last?.ran ?? null) : (last?.ran ?? null),
    exchange,
    routingKey,
    clientHostname,
    revoked,
    events: events.map(toView),
    attempts,
    eventsTruncated: doc.n ?? 0,
  };
}

/**
 * Celery 5.2 threads and solo pool workers report failures as `ExceptionWithTraceback()` (billiard's
 * wrapper, seen in real traffic; prefork sends the real repr); the traceback's last line still names
 * the real exception.
 */
export function exceptionOf(e: StoredEvent): string | null {
  const exc = str(e.exception);
  const tb = str(e.traceback);
  if (exc && /^ExceptionWithTraceback\(/.test(exc) && tb) {
    const last = tb.trim().split('\n').at(-1)?.trim();
    if (last) return last;
  }
  return exc;
}

function resultText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function toView(e: StoredEvent): TaskEventView {
  const { type, timestamp, lr, hostname, inferred, ...fields } = e;
  return {
    type,
    timestamp: typeof timestamp === 'number' ? timestamp : null,
    localReceived: lr,
    hostname: typeof hostname === 'string' ? hostname : null,
    fields,
    ...(inferred ? { inferred: true } : {}),
  };
}

/**
 * One attempt per run. Real workers do not send a run's events in order: the retry's new message
 * (and so its `task-received`, retries = n + 1) is published by the pool process before the main
 * process sends `task-retried` for run n. So attempts are keyed by `retries` from task-received,
 * and every other event joins the attempt it can belong to at its time: `task-started` the latest
 * attempt received by then and not yet started; an ending event the latest started and unended one
 * (or, for a revoke before start, the latest unended one).
 */
export function deriveAttempts(sorted: readonly StoredEvent[]): TaskAttempt[] {
  const byRetries = new Map<number, TaskAttempt>();
  const blank = (retries: number, worker: string | null): TaskAttempt => ({
    retries,
    worker,
    received: null,
    started: null,
    ended: null,
    eta: null,
    outcome: 'waiting',
    exception: null,
    traceback: null,
    waited: null,
    ran: null,
  });
  for (const e of sorted) {
    if (e.type !== 'task-received') continue;
    const retries = num(e.retries) ?? 0;
    const a = byRetries.get(retries) ?? blank(retries, null);
    a.received = eventTime(e);
    a.worker = e.inferred ? a.worker : (str(e.hostname) ?? a.worker);
    a.eta = str(e.eta);
    byRetries.set(retries, a);
  }
  const attempts = [...byRetries.values()].sort((x, y) => x.retries - y.retries);
  const latest = (pred: (a: TaskAttempt) => boolean): TaskAttempt | undefined => attempts.filter(pred).at(-1);
  const next = (worker: string | null) => {
    const a = blank((attempts.at(-1)?.retries ?? -1) + 1, worker);
    attempts.push(a);
    return a;
  };

  for (const e of sorted) {
    const t = eventTime(e);
    const host = e.inferred ? null : str(e.hostname);
    if (e.type === 'task-started') {
      const a = latest((x) => x.started === null && x.ended === null && (x.received === null || x.received <= t)) ?? next(host);
      a.started = t;
      a.worker = host ?? a.worker;
      a.outcome = 'running';
      if (a.received !== null) a.waited = Math.max(0, t - a.received);
    } else if (TERMINAL_OUTCOME[e.type] || e.type === 'trellis-reconciled') {
      // Without a started run (a revoke before start, or a task-started the worker never sent —
      // threads pools in Celery 5.2 lose events), the earliest unended run is the one ending.
      // A task-retried ends the earliest running run (runs of one task are sequential, and a busy
      // worker may send it after the next run already started elsewhere); a final event the latest.
      // A run's events come from the worker that received it, so a run on the same worker is
      // preferred: with runs on two workers, a busy worker's late task-retried, or a run whose
      // task-started was lost, must not take the other worker's ending.
      const running = (x: TaskAttempt) => x.started !== null && x.ended === null && (x.started as number) <= t;
      const unended = (x: TaskAttempt) => x.ended === null && (x.received === null || x.received <= t);
      const here = (pred: (x: TaskAttempt) => boolean) => (x: TaskAttempt) => host !== null && x.worker === host && pred(x);
      const pick = e.type === 'task-retried' ? (pred: (x: TaskAttempt) => boolean) => attempts.find(pred) : latest;
      const a =
        pick(here(running)) ??
        pick(here(unended)) ??
        pick(running) ??
        attempts.find(unended) ??
        (e.type === 'trellis-reconciled' ? undefined : next(host));
      if (!a) continue;
      a.ended = t;
      a.worker = a.worker ?? host;
      a.outcome = TERMINAL_OUTCOME[e.type] ?? reconciledOutcome(str(e.state));
      if (e.type !== 'task-succeeded') {
        a.exception = exceptionOf(e);
        a.traceback = str(e.traceback);
      }
      a.ran = num(e.runtime) ?? (a.started !== null ? Math.max(0, t - a.started) : null);
    }
  }
  return attempts;
}

function reconciledOutcome(state: string | null): TaskAttempt['outcome'] {
  switch (state) {
    case 'SUCCESS':
      return 'succeeded';
    case 'FAILURE':
      return 'failed';
    case 'REVOKED':
      return 'revoked';
    case 'RETRY':
      return 'retried';
    default:
      return 'unknown';
  }
}

export function toSummary(t: DerivedTask): TaskSummary {
  return {
    id: t.id,
    name: t.name,
    state: t.state,
    worker: t.worker,
    queue: t.queue,
    rootId: t.rootId,
    parentId: t.parentId,
    retries: t.retries,
    args: t.args,
    kwargs: t.kwargs,
    result: t.result,
    exception: t.exception,
    eta: t.eta,
    expires: t.expires,
    firstSeen: t.firstSeen,
    lastUpdate: t.lastUpdate,
    sent: t.sent,
    received: t.received,
    started: t.started,
    ended: t.ended,
    runtime: t.runtime,
  };
}
