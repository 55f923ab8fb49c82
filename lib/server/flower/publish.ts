import 'server-only';
import { z } from 'zod';
import type { Principal } from '../auth/authenticate';
import { buildTask, publishBuilt } from '../actions/publish-task';
import { runAction } from '../actions/run-action';
import { noteTaskActions } from '../actions/task-notes';
import { readBackendMeta } from '../backend/read-backend-meta';
import type { TrellisContext } from '../context';
import { listTasks } from '../tasks/list-tasks';
import { assertKnownTaskName } from './control';
import { numberParam } from './params';
import { flowerTaskResult, MAX_RESULT_TIMEOUT_SECONDS, type FlowerResult } from './task-result';

// Flower's publish paths: POST /api/task/async-apply/{name}, /send-task/{name} (any name) and
// /apply/{name} (waits for the result). The JSON body is Flower's: `args`, `kwargs` and
// apply_async options (queue, priority, countdown, eta, expires). The message is built and validated
// by Trellis' publish path (protocol doc §3) and published inside runAction (tasks:act, audited,
// read-only refused); the task's history notes who published it. `dryRun` shows the message's
// fields and publishes nothing.

/** Flower's date form for eta/expires (`%Y-%m-%d %H:%M:%S.%f`, naive: UTC, as Celery reads it with enable_utc), or ISO 8601. */
const FlowerDate = z
  .string()
  .max(40)
  .transform((text, ctx) => {
    const t = text.trim();
    const naive = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t);
    const ms = Date.parse(naive ? `${t.replace(' ', 'T')}Z` : t);
    if (Number.isFinite(ms)) return new Date(ms);
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a date (YYYY-MM-DD HH:MM:SS.ffffff)` });
    return z.NEVER;
  });

export const FlowerPublishSchema = z
  .object({
    args: z.array(z.unknown()).max(10_000).default([]).describe('positional arguments (an array)'),
    kwargs: z.record(z.string(), z.unknown()).default({}).describe('keyword arguments (an object)'),
    queue: z.string().max(200).optional().describe("default: the queue this task's last run went to, else celery"),
    priority: z.number().int().min(0).max(9).optional(),
    countdown: numberParam.pipe(z.number().min(0).max(365 * 86400)).optional().describe('seconds from now'),
    eta: FlowerDate.optional().describe('YYYY-MM-DD HH:MM:SS.ffffff (UTC) or ISO 8601'),
    expires: z.union([z.number().positive(), z.string().max(40)]).optional().describe('seconds from now, or a date'),
    dryRun: z.boolean().default(false).describe('Trellis addition: validate and show the message, publish nothing'),
  })
  .strict();
export type FlowerPublish = z.output<typeof FlowerPublishSchema>;

export type PublishMode = 'async-apply' | 'send-task' | 'apply';

export interface FlowerPublished {
  'task-id': string;
  state?: string;
  result?: unknown;
  traceback?: string | null;
}

export interface FlowerPublishDryRun {
  dryRun: true;
  'task-id': string;
  name: string;
  queue: string;
  eta: string | null;
  expires: string | null;
  priority: number | null;
}

/** The queue this task name last went to (what Celery's routing chose for it), else celery. */
async function defaultQueue(ctx: TrellisContext, name: string): Promise<string> {
  return (await listTasks(ctx, { name, limit: 1 })).items[0]?.queue ?? 'celery';
}

function expiresAt(expires: number | string | undefined): Date | null {
  if (expires === undefined) return null;
  const seconds = typeof expires === 'number' ? expires : /^\d+(\.\d+)?$/.test(expires.trim()) ? Number(expires) : null;
  return seconds !== null ? new Date(Date.now() + seconds * 1000) : FlowerDate.parse(expires);
}

export async function flowerPublish(
  caller: { ctx: TrellisContext; principal: Principal; requestId: string },
  mode: PublishMode,
  name: string,
  body: FlowerPublish,
): Promise<FlowerPublished | FlowerPublishDryRun> {
  const { ctx, principal, requestId } = caller;
  if (mode !== 'send-task') await assertKnownTaskName(ctx, name);
  const queue = body.queue ?? (await defaultQueue(ctx, name));
  const eta = body.eta ?? (body.countdown !== undefined ? new Date(Date.now() + body.countdown * 1000) : null);
  const spec = { name, args: body.args, kwargs: body.kwargs, queue, priority: body.priority ?? null, eta, expires: expiresAt(body.expires) };
  const built = buildTask(ctx, spec); // validated before anything is sent (a ZodError is 422)
  if (body.dryRun) {
    return { dryRun: true, 'task-id': built.id, name, queue, eta: eta?.toISOString() ?? null, expires: spec.expires?.toISOString() ?? null, priority: spec.priority };
  }
  const params = { queue, priority: spec.priority, eta: eta?.toISOString() ?? null, expires: spec.expires?.toISOString() ?? null, args: body.args.length, kwargs: Object.keys(body.kwargs).length, via: `flower ${mode}` };
  const done = await runAction({ ctx, principal, requestId, action: 'tasks.publish', target: `task-name:${name}`, params }, async () => {
    await publishBuilt(ctx, [built]);
    return { value: { id: built.id }, result: { id: built.id, queue } };
  });
  await noteTaskActions(ctx, [built.id], { at: Date.now() / 1000, action: 'published', by: principal.name, auditId: done.auditId, detail: `through Flower's ${mode} path` });
  if (mode === 'apply') return { ...(await flowerTaskResult(ctx, built.id, MAX_RESULT_TIMEOUT_SECONDS)) } satisfies FlowerResult;
  const meta = await readBackendMeta(ctx, built.id);
  return { 'task-id': built.id, state: meta?.status ?? 'PENDING' };
}
