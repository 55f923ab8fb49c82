import 'server-only';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import type { RetryPreview, RetryResult } from '@/lib/schemas/responses/retry';
import { isFinalState } from '../celery/states';
import type { JsonValue } from '../celery/python-literal';
import { PublishQueueSchema, TaskIdSchema, TaskSpecSchema } from '../celery/task-message';
import type { TrellisContext } from '../context';
import type { Principal } from '../auth/authenticate';
import { loadPreview, savePreview } from './previews';
import { buildTask, publishBuilt } from './publish-task';
import { planRetry, type RetryPlan } from './retry-plan';
import { readCandidates, type RetryCandidate } from './retry-select';
import { runAction } from './run-action';
import { selectTasks, TaskFilterSchema } from './select-tasks';
import { noteTaskActions } from './task-notes';

// Retry (issue 11.2, ADR 0024): publish finished tasks again — same name, args, kwargs, queue and
// routing — under new ids, linked both ways in the tasks' histories (retried-as / retry-of). One
// task, a list, every task matching the task list's filter, or exactly a dry run's set. A task
// whose arguments cannot be known is skipped with the reason; for a single task that is 409, and
// the operator may then give the arguments.

export const RETRY_PREVIEW_KIND = 'tasks.retry';
export const MAX_RETRY_IDS = 10_000;
const SAMPLE = 20;

export const RetryRequestSchema = z
  .object({
    ids: z.array(TaskIdSchema).min(1).max(MAX_RETRY_IDS).optional().describe(`task ids (at most ${MAX_RETRY_IDS})`),
    filter: TaskFilterSchema.optional().describe("the task list's filters: every finished task matching them"),
    previewId: z.uuid().optional().describe('exactly the set a dry run selected'),
    args: TaskSpecSchema.shape.args.removeDefault().optional().describe('operator-entered args (a JSON array); one task only'),
    kwargs: TaskSpecSchema.shape.kwargs.removeDefault().optional().describe('operator-entered kwargs (a JSON object); one task only'),
    queue: PublishQueueSchema.optional().describe('publish to this queue instead of the task’s own (needed when its queue is unknown)'),
    priority: z.number().int().min(0).max(9).optional().describe('0–9 (0 is the highest on Redis); Celery records no priority to copy, so 0 unless given'),
    dryRun: z.boolean().default(false).describe('count and sample what would be retried, keep the set under a previewId; change nothing'),
  })
  .strict()
  .refine((b) => [b.ids, b.filter, b.previewId].filter((x) => x !== undefined).length === 1, 'give exactly one of ids, filter or previewId')
  .refine((b) => (b.args === undefined && b.kwargs === undefined) || b.ids?.length === 1, 'args/kwargs are for a retry of one task (ids with one id)');
export type RetryRequest = z.output<typeof RetryRequestSchema>;

export async function retryTasks(ctx: TrellisContext, principal: Principal, requestId: string | null, req: RetryRequest): Promise<RetryPreview | RetryResult> {
  const { ids, truncated, previewCount } = await selectIds(ctx, req);
  if (req.dryRun) return preview(ctx, principal, req, ids, truncated);
  if (truncated) throw new AppError('INVALID_INPUT', `more than ${MAX_RETRY_IDS} tasks match: narrow the filter`);
  const target = req.ids?.length === 1 ? `task:${req.ids[0]}` : req.previewId ? `preview:${req.previewId}` : req.filter ? 'filter' : 'tasks';
  const params = { ...(req.filter ? { filter: req.filter } : {}), ...(req.ids ? { ids: req.ids.length > 50 ? `${req.ids.length} ids` : req.ids } : {}), ...(req.queue ? { queue: req.queue } : {}), ...(req.priority !== undefined ? { priority: req.priority } : {}), operatorArguments: req.args !== undefined || req.kwargs !== undefined };
  const done = await runAction({ ctx, principal, requestId, action: 'tasks.retry', target, params, previewCount }, async () => {
    const { plans, roundTrips: reads } = await plan(ctx, ids, req);
    const ready = plans.filter((p) => p.ok);
    const skipped = plans.filter((p) => !p.ok).map((p) => ({ id: p.id, reason: p.reason }));
    const single = req.ids?.length === 1;
    if (single && skipped[0]) throw new AppError('CONFLICT', `task ${skipped[0].id} cannot be retried: ${skipped[0].reason}`);
    const built = ready.map((p) => ({ plan: p, message: buildTask(ctx, p.spec) }));
    const writes = await publishBuilt(ctx, built.map((b) => b.message));
    const retried = built.map((b) => ({ id: b.plan.id, newId: b.message.id, name: b.plan.spec.name, queue: b.plan.spec.queue, argsSource: b.plan.source }));
    const outcome = retried.length === 0 ? ('failed' as const) : skipped.length > 0 ? ('partial' as const) : ('ok' as const);
    return {
      value: { dryRun: false as const, count: retried.length, retried, skipped, roundTrips: reads + writes },
      outcome,
      result: { retried: retried.length, skipped: skipped.length, newIds: retried.length > 50 ? `${retried.length} ids` : retried.map((r) => r.newId) },
    };
  });
  const notes = await linkRetries(ctx, principal, done.auditId, done.retried);
  return { ...done, roundTrips: done.roundTrips + notes };
}

async function selectIds(ctx: TrellisContext, req: RetryRequest): Promise<{ ids: string[]; truncated: boolean; previewCount: number | null }> {
  if (req.filter) {
    const sel = await selectTasks(ctx, req.filter, MAX_RETRY_IDS);
    return { ids: sel.tasks.map((t) => t.id), truncated: sel.truncated, previewCount: null };
  }
  if (req.previewId) {
    const p = await loadPreview(ctx, req.previewId, RETRY_PREVIEW_KIND);
    return { ids: p.ids, truncated: false, previewCount: p.ids.length };
  }
  return { ids: [...new Set(req.ids ?? [])], truncated: false, previewCount: null };
}

/** Each task's plan; unfinished and unknown tasks are skipped (a retry would run them twice). */
async function plan(ctx: TrellisContext, ids: readonly string[], req: RetryRequest): Promise<{ plans: RetryPlan[]; roundTrips: number }> {
  const { candidates, roundTrips } = await readCandidates(ctx, ids);
  const opts = {
    ...(req.args !== undefined ? { args: req.args as JsonValue[] } : {}),
    ...(req.kwargs !== undefined ? { kwargs: req.kwargs as Record<string, JsonValue> } : {}),
    ...(req.queue ? { queue: req.queue } : {}),
    ...(req.priority !== undefined ? { priority: req.priority } : {}),
  };
  return { plans: candidates.map((c) => notRetryable(c) ?? planRetry(c.task, c.meta, opts)), roundTrips };
}

/** Whether a task in this state may be retried (finished: a retry of a running task would run it twice). */
export const canRetry = (state: string): boolean => isFinalState(state);

function notRetryable(c: RetryCandidate): RetryPlan | null {
  if (c.state === 'UNKNOWN') return { ok: false, id: c.task.id, reason: 'unknown task (no event and no result)' };
  if (!canRetry(c.state)) return { ok: false, id: c.task.id, reason: `not finished (${c.state}): a retry would run it twice` };
  return null;
}

async function preview(ctx: TrellisContext, principal: Principal, req: RetryRequest, ids: string[], truncated: boolean): Promise<RetryPreview> {
  const { plans } = await plan(ctx, ids, req);
  const ready = plans.filter((p) => p.ok);
  const skipped = plans.filter((p) => !p.ok);
  const saved = await savePreview(ctx, { kind: RETRY_PREVIEW_KIND, ids, params: {}, by: principal.id });
  return {
    dryRun: true,
    ...saved,
    count: ids.length,
    retryable: ready.length,
    skippedCount: skipped.length,
    sample: ready.slice(0, SAMPLE).map((p) => ({ id: p.id, name: p.spec.name, queue: p.spec.queue, argsSource: p.source })),
    skipped: skipped.slice(0, SAMPLE).map((p) => ({ id: p.id, reason: p.reason })),
    truncated,
  };
}

/** "retried-as <new>" on each old task, "retry-of <old>" on each new one; returns the round trips. */
async function linkRetries(ctx: TrellisContext, principal: Principal, auditId: string, retried: ReadonlyArray<{ id: string; newId: string }>): Promise<number> {
  if (retried.length === 0) return 0;
  const note = { at: Date.now() / 1000, by: principal.name, auditId, detail: null };
  await noteTaskActions(ctx, retried.map((r) => r.id), { ...note, action: 'retried-as' }, new Map(retried.map((r) => [r.id, r.newId])));
  await noteTaskActions(ctx, retried.map((r) => r.newId), { ...note, action: 'retry-of' }, new Map(retried.map((r) => [r.newId, r.id])));
  return 2 * Math.ceil(retried.length / 2_000);
}
