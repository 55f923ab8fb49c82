import 'server-only';
import type { Redis } from 'ioredis';
import { notFound } from '@/lib/errors';
import type { TrellisContext } from '../context';
import { fromRef } from '../store/task-ref';
import { parseTaskDoc } from '../tasks/task-doc';
import type { StoredEvent } from '../tasks/stored-event';
import { buildWorkflow } from './model';
import { own } from './own';
import { parseMeta } from './workflow-tasks';
import type { ChordKeys, WorkflowModel } from './types';

// Reads one workflow in three pipelined round trips: the store's root index; the members' task
// documents (store) and result metas (backend) side by side; the groups' saved values and chord
// keys (backend). Bounded: at most MAX_WORKFLOW_TASKS tasks and as many chord join entries.

export const MAX_WORKFLOW_TASKS = 2000;

type PipelineResult = Array<[Error | null, unknown]> | null;
const value = (r: PipelineResult, i: number): unknown => (r?.[i]?.[0] ? null : r?.[i]?.[1]);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

async function readGroupKeys(backend: Redis, groupIds: readonly string[]) {
  const p = backend.pipeline();
  for (const g of groupIds) {
    const key = `celery-taskset-meta-${g}`;
    // `.j` is a ZSET, or a LIST without result_chord_ordered: one of the two reads fails (WRONGTYPE).
    p.get(key).get(`${key}.s`).get(`${key}.t`).zrange(`${key}.j`, 0, MAX_WORKFLOW_TASKS - 1).lrange(`${key}.j`, 0, MAX_WORKFLOW_TASKS - 1).exists(`${key}.j`);
  }
  const r = groupIds.length > 0 ? await p.exec() : [];
  const savedGroups: Record<string, string> = {};
  const chordKeys: Record<string, ChordKeys> = {};
  groupIds.forEach((g, n) => {
    const i = n * 6;
    const saved = strOrNull(value(r, i));
    if (saved) savedGroups[g] = saved;
    const size = strOrNull(value(r, i + 1));
    const extra = strOrNull(value(r, i + 2));
    const fromZset = value(r, i + 3);
    const fromList = value(r, i + 4);
    const joinedExists = value(r, i + 5) === 1;
    const list = Array.isArray(fromZset) && fromZset.length > 0 ? fromZset : fromList;
    const joined = joinedExists && Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : null;
    if (size !== null || extra !== null || joined !== null) chordKeys[g] = { size: size === null ? null : Number(size), joined, extra: extra === null ? null : Number(extra) };
  });
  return { savedGroups, chordKeys };
}

export async function readWorkflow(ctx: TrellisContext, rootId: string, now = Date.now() / 1000): Promise<WorkflowModel & { truncated: boolean }> {
  const refs = await ctx.store.zrange(ctx.keys.index('root', rootId), 0, MAX_WORKFLOW_TASKS);
  const truncated = refs.length > MAX_WORKFLOW_TASKS - 1;
  const ids = [...new Set([rootId, ...refs.slice(0, MAX_WORKFLOW_TASKS - 1).map(fromRef)])];
  const docs = ctx.store.pipeline();
  const metas = ctx.backend.pipeline();
  for (const id of ids) {
    docs.get(ctx.keys.task(id));
    metas.get(`celery-task-meta-${id}`);
  }
  const [docRows, metaRows] = await Promise.all([docs.exec(), metas.exec()]);
  const events: Record<string, StoredEvent[]> = {};
  const rawMetas: Record<string, string> = {};
  ids.forEach((id, i) => {
    const doc = parseTaskDoc(strOrNull(value(docRows, i)), id);
    if (doc) events[id] = doc.e;
    const meta = strOrNull(value(metaRows, i));
    if (meta) rawMetas[id] = meta;
  });
  if (!own(events, rootId) && !own(rawMetas, rootId)) throw notFound(`workflow ${rootId}`);
  const groupIds = [...new Set(Object.values(rawMetas).map((m) => parseMeta(m)?.group_id).filter((g): g is string => typeof g === 'string'))];
  const { savedGroups, chordKeys } = await readGroupKeys(ctx.backend, groupIds);
  return { ...buildWorkflow({ rootId, events, metas: rawMetas, savedGroups, chordKeys, now }), truncated };
}
