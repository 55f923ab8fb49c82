import 'server-only';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import type { TaskSummary } from '@/lib/schemas/api';
import { MAX_REVOKE_IDS_PER_MESSAGE, SignalSchema, TaskIdSchema } from '../celery/control';
import type { TrellisContext } from '../context';
import type { Principal } from '../auth/authenticate';
import { savePreview } from './previews';
import { runAction } from './run-action';
import { broadcastRevoke, type WorkerRevokeReply } from './revoke-broadcast';
import { rememberRevokes } from './revoke-durable';
import { isRevocable, isWaiting, MAX_REVOKE_IDS, REVOKE_PREVIEW_KIND, selectForRevoke, type RevokeTarget } from './revoke-select';
import { removeWaitingMessages } from './revoke-waiting';
import { TaskFilterSchema } from './select-tasks';
import { noteTaskActions } from './task-notes';

// Revoke or terminate one task, a list, or every task matching a filter (issue 11.1, ADR 0023).
// A dry run counts and samples the set and keeps it under a preview id; the action then
// 1. keeps every id as a durable revoke (re-sent to workers that come online, revoke-job.ts),
// 2. broadcasts `revoke` to every worker in messages of ≤ 10,000 ids, with each worker's reply,
// 3. removes the messages of tasks still waiting in a queue (the reliable way, revoke-waiting.ts),
// 4. notes "revoke requested" in each task's history. Tasks already final are skipped.

export const RevokeRequestSchema = z
  .object({
    ids: z.array(TaskIdSchema).min(1).max(MAX_REVOKE_IDS).optional().describe(`task ids (at most ${MAX_REVOKE_IDS})`),
    filter: TaskFilterSchema.optional().describe("the task list's filters: every task matching them"),
    previewId: z.string().uuid().optional().describe('exactly the set a dry run selected'),
    terminate: z.boolean().default(false).describe('also stop tasks that are running (prefork pool)'),
    signal: SignalSchema.optional().describe('with terminate: TERM (default), KILL, INT, HUP, QUIT, USR1, USR2'),
    dryRun: z.boolean().default(false).describe('count and sample the set, keep it under a previewId; change nothing'),
  })
  .strict()
  .refine((b) => [b.ids, b.filter, b.previewId].filter((x) => x !== undefined).length === 1, 'give exactly one of ids, filter or previewId')
  .refine((b) => b.terminate || b.signal === undefined, 'a signal is sent only with terminate: true');
export type RevokeRequest = z.output<typeof RevokeRequestSchema>;

export interface RevokePreview {
  dryRun: true;
  previewId: string;
  expiresAt: number;
  /** Tasks selected. */
  count: number;
  /** Of them, not final yet: what the action revokes. */
  revocable: number;
  /** Already final (SUCCESS, FAILURE, REVOKED…): skipped. */
  final: number;
  /** Waiting in a queue: their messages will be removed. */
  waiting: number;
  states: Record<string, number>;
  sample: TaskSummary[];
  truncated: boolean;
}

export interface RevokeResult {
  dryRun: false;
  auditId: string;
  terminate: boolean;
  signal: string | null;
  /** Ids revoked (broadcast and kept as durable revokes). */
  requested: number;
  /** Already final (or with an id no control message can carry): skipped. */
  skippedFinal: number;
  /** Messages removed from their queue (never to run; REVOKED written to the result backend). */
  removedFromQueue: number;
  /** Revoke messages broadcast (≤ 10,000 ids each). */
  messages: number;
  /** Older durable revokes dropped to stay within the workers' 50,000-id limit. */
  durableDropped: number;
  replies: WorkerRevokeReply[];
}

const SAMPLE = 20;

/** The domain verb behind POST /api/v1/tasks/revoke (and Flower's revoke path): `input` as
 *  RevokeRequestSchema parses it (signal in wire form). */
export async function revokeTasks(ctx: TrellisContext, principal: Principal, requestId: string | null, input: RevokeRequest): Promise<RevokePreview | RevokeResult> {
  const target: RevokeTarget = input.ids ? { ids: input.ids } : input.filter ? { filter: input.filter } : input.previewId ? { previewId: input.previewId } : { ids: [] };
  const selection = await selectForRevoke(ctx, target);
  const revocable = selection.tasks.filter(isRevocable);
  const options = { terminate: input.terminate, signal: input.terminate ? (input.signal ?? 'SIGTERM') : undefined };

  if (input.dryRun) {
    const states: Record<string, number> = {};
    for (const t of selection.tasks) states[t.state] = (states[t.state] ?? 0) + 1;
    const saved = await savePreview(ctx, { kind: REVOKE_PREVIEW_KIND, ids: selection.tasks.map((t) => t.id), params: { ...options }, by: principal.name });
    return {
      dryRun: true,
      ...saved,
      count: selection.tasks.length,
      revocable: revocable.length,
      final: selection.tasks.length - revocable.length,
      waiting: revocable.filter(isWaiting).length,
      states,
      sample: selection.tasks.flatMap((t) => (t.summary ? [t.summary] : [])).slice(0, SAMPLE),
      truncated: selection.truncated,
    };
  }

  const ids = revocable.map((t) => t.id);
  const action = input.terminate ? 'tasks.terminate' : 'tasks.revoke';
  const result = await runAction(
    {
      ctx,
      principal,
      requestId,
      action,
      target: ids.length === 1 && ids[0] ? ids[0] : `${ids.length} tasks`,
      params: { ...options, by: 'ids' in target ? 'ids' : 'filter' in target ? 'filter' : 'preview', ...('filter' in target ? { filter: target.filter } : {}), ...('previewId' in target ? { previewId: target.previewId } : {}) },
      previewCount: selection.previewCount,
    },
    async () => {
      if (ids.length === 0) throw new AppError('CONFLICT', `nothing to revoke: all ${selection.tasks.length} selected tasks are already final`);
      // Kept first (a worker coming online meanwhile gets them), broadcast next (a worker consuming
      // the queue while the messages are removed discards what it takes), removed last.
      const durableDropped = await rememberRevokes(ctx, ids, { terminate: options.terminate, ...(options.signal ? { signal: options.signal } : {}), by: principal.name });
      const replies = await broadcastRevoke(ctx, ids, options, null);
      const removal = await removeWaitingMessages(ctx, revocable.filter(isWaiting));
      const value = {
        dryRun: false as const,
        terminate: options.terminate,
        signal: options.signal ?? null,
        requested: ids.length,
        skippedFinal: selection.tasks.length - ids.length,
        removedFromQueue: removal.removed.length,
        messages: Math.ceil(ids.length / MAX_REVOKE_IDS_PER_MESSAGE),
        durableDropped,
        replies,
        removed: removal.removed,
      };
      const quiet = replies.some((r) => r.status !== 'ok');
      return {
        value,
        outcome: quiet ? 'partial' : 'ok',
        result: { requested: value.requested, skippedFinal: value.skippedFinal, removedFromQueue: value.removedFromQueue, durableDropped, truncatedQueues: removal.truncatedQueues },
        replies: Object.fromEntries(replies.map((r) => [r.hostname, r.status === 'ok' ? r.reply : r.status === 'error' ? { error: r.error } : `${r.status} (${r.answered}/${r.messages})`])),
      };
    },
  );
  const { removed, ...answer } = result;
  const gone = new Set(removed);
  const note = { at: Date.now() / 1000, action: input.terminate ? 'terminate-requested' : 'revoke-requested', by: principal.name, auditId: result.auditId };
  const signalText = options.terminate ? `signal ${options.signal ?? 'SIGTERM'}` : null;
  await noteTaskActions(ctx, removed, { ...note, detail: [signalText, 'its waiting message removed from the queue'].filter(Boolean).join('; ') });
  await noteTaskActions(ctx, ids.filter((id) => !gone.has(id)), { ...note, detail: signalText });
  return answer;
}
