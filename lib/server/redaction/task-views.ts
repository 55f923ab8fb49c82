import type { BackendMeta, TaskAttempt, TaskDetail, TaskEventView, TaskSummary, UpdateNotice, WorkflowGroup } from '@/lib/schemas/api';
import { exceptionClassOnly, HIDDEN, hidden, hidePayload, type RedactView } from './hide';
import type { Redactor } from './redactor';

// Redacted copies of the task views the API, the pages and the live stream send. The store keeps
// the truth (ADR 0016); these run on the way out.

export function redactTaskSummary<T extends TaskSummary>(t: T, r: Redactor, view: RedactView): T {
  if (view.hideArgs) return { ...t, args: hidden(t.args), kwargs: hidden(t.kwargs), result: hidden(t.result), exception: exceptionClassOnly(t.exception) };
  return { ...t, args: r.maybe(t.args), kwargs: r.maybe(t.kwargs), result: r.maybe(t.result), exception: r.maybe(t.exception) };
}

function redactEvent(e: TaskEventView, r: Redactor, view: RedactView): TaskEventView {
  const fields = r.value(e.fields) as Record<string, unknown>;
  return { ...e, fields: view.hideArgs ? (hidePayload(fields) as Record<string, unknown>) : fields };
}

function redactAttempt(a: TaskAttempt, r: Redactor, view: RedactView): TaskAttempt {
  if (view.hideArgs) return { ...a, exception: exceptionClassOnly(a.exception), traceback: hidden(a.traceback) };
  return { ...a, exception: r.maybe(a.exception), traceback: r.maybe(a.traceback) };
}

export function redactBackendMeta(b: BackendMeta, r: Redactor, view: RedactView): BackendMeta {
  const extra = r.value(b.extra) as Record<string, unknown>;
  if (view.hideArgs) return { ...b, result: hiddenResult(b.result), traceback: hidden(b.traceback), extra: hidePayload(extra) as Record<string, unknown> };
  return { ...b, result: r.value(b.result), traceback: r.maybe(b.traceback), extra };
}

/** A failure's stored result ({exc_type, exc_message, …}) keeps its exception type; anything else is hidden. */
function hiddenResult(result: unknown): unknown {
  if (result === null) return null;
  const excType = result && typeof result === 'object' ? (result as Record<string, unknown>).exc_type : undefined;
  return typeof excType === 'string' ? { exc_type: excType } : HIDDEN;
}

function redactGroup(g: WorkflowGroup, r: Redactor, view: RedactView): WorkflowGroup {
  if (!g.callback) return g;
  return { ...g, callback: { ...g.callback, result: view.hideArgs ? hidden(g.callback.result) : r.maybe(g.callback.result) } };
}

export function redactTaskDetail<T extends TaskDetail & { groups?: WorkflowGroup[] }>(t: T, r: Redactor, view: RedactView): T {
  return {
    ...redactTaskSummary(t, r, view),
    traceback: view.hideArgs ? hidden(t.traceback) : r.maybe(t.traceback),
    events: t.events.map((e) => redactEvent(e, r, view)),
    attempts: t.attempts.map((a) => redactAttempt(a, r, view)),
    backend: t.backend ? redactBackendMeta(t.backend, r, view) : null,
    ...(t.groups ? { groups: t.groups.map((g) => redactGroup(g, r, view)) } : {}),
  };
}

export function redactNotice(n: UpdateNotice, r: Redactor, view: RedactView): UpdateNotice {
  return { ...n, tasks: n.tasks.map((t) => redactTaskSummary(t, r, view)) };
}
