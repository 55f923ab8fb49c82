import 'server-only';
import type { BackendMeta } from '@/lib/schemas/api';
import { decodeResultMeta } from '../celery/result-meta';
import type { TrellisContext } from '../context';

// A task's `celery-task-meta-<id>` from the result backend (protocol doc §7.2), decoded: children
// ids from entry[0][0], date_done as stored (naive ≤ 5.4 or aware ≥ 5.5), pickle shown as binary.
// Null when the key is missing (Celery's PENDING: unknown, expired or never stored).

export async function readBackendMeta(ctx: TrellisContext, taskId: string): Promise<BackendMeta | null> {
  const raw = await ctx.backend.getBuffer(ctx.results.taskMetaKey(taskId));
  return decodeResultMeta(raw);
}

/** Many tasks' metas in one MGET, in the order of `taskIds`. */
export async function readBackendMetas(ctx: TrellisContext, taskIds: string[]): Promise<Array<BackendMeta | null>> {
  if (taskIds.length === 0) return [];
  const raw = await ctx.backend.mgetBuffer(...taskIds.map((id) => ctx.results.taskMetaKey(id)));
  return raw.map((r) => decodeResultMeta(r));
}
