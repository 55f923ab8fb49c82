import 'server-only';
import type { Principal } from '../auth/authenticate';
import { runAction } from '../actions/run-action';
import { noteTaskActions } from '../actions/task-notes';
import { readBackendMeta } from '../backend/read-backend-meta';
import { decodeResultMeta } from '../celery/result-meta';
import type { TrellisContext } from '../context';

// POST /api/task/abort/{id}: what Celery's AbortableAsyncResult.abort() does — the task's result
// meta set to ABORTED, written as the Redis backend writes it (protocol doc §7.2: SETEX with
// result_expires, PUBLISH on the key's channel, in one MULTI/EXEC). Only a task built on
// celery.contrib.abortable.AbortableTask looks (is_aborted()) and stops itself; any other task runs
// on (Flower's path says "Aborted" all the same). As Celery's backend, a SUCCESS meta is kept: a
// result is never overwritten once the task succeeded.

/** Celery's result_expires default: Trellis does not know the app's setting (a new write resets the TTL anyway). */
const RESULT_EXPIRES_SECONDS = 86_400;

export interface AbortDryRun {
  dryRun: true;
  command: 'abort';
  arguments: { task_id: string };
  destination: null;
}

export async function flowerAbort(caller: { ctx: TrellisContext; principal: Principal; requestId: string }, id: string, dryRun = false): Promise<{ message: string } | AbortDryRun> {
  const { ctx, principal, requestId } = caller;
  if (dryRun) return { dryRun: true, command: 'abort', arguments: { task_id: id }, destination: null };
  const done = await runAction({ ctx, principal, requestId, action: 'tasks.abort', target: `task:${id}`, params: {} }, async () => {
    if ((await readBackendMeta(ctx, id))?.status === 'SUCCESS') return { value: { written: false }, result: { kept: 'SUCCESS' } };
    // Key order and nulls as Celery 5.2 writes them; date_done is null outside the ready states.
    const value = JSON.stringify({ status: 'ABORTED', result: null, traceback: null, children: [], date_done: null, task_id: id });
    if (decodeResultMeta(value)?.status !== 'ABORTED') throw new Error('abort: the meta did not validate');
    const key = ctx.results.taskMetaKey(id);
    const replies = (await ctx.backend.multi().setex(key, RESULT_EXPIRES_SECONDS, value).publish(key, value).exec()) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
    return { value: { written: true }, result: { state: 'ABORTED' } };
  });
  await noteTaskActions(ctx, [id], { at: Date.now() / 1000, action: 'abort-requested', by: principal.name, auditId: done.auditId, detail: done.written ? 'result meta set to ABORTED' : 'already SUCCESS: result kept' });
  return { message: `Aborted '${id}'` };
}
