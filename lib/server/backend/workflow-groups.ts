import 'server-only';
import type { BackendMeta, TaskSummary, WorkflowGroup } from '@/lib/schemas/api';
import type { TrellisContext } from '../context';
import { assembleGroups, groupIdsOf, type KnownTask } from './group-progress';
import { readBackendMetas } from './read-backend-meta';
import { readChordKeys } from './read-group-progress';

// The groups and chords of a task's workflow, with their progress. Bounded: one MGET for the
// workflow's result metas (no event names a group: only the meta's `group_id` does), one pipeline
// for at most MAX_GROUPS groups' keys, and one MGET for saved-group members not yet read.

export const MAX_GROUPS = 20;
const MAX_METAS = 500;

export async function readWorkflowGroups(ctx: TrellisContext, self: { id: string; backend: BackendMeta | null }, workflow: TaskSummary[]): Promise<WorkflowGroup[]> {
  const known = new Map<string, KnownTask>([[self.id, { meta: self.backend, summary: workflow.find((t) => t.id === self.id) ?? null }]]);
  const others = workflow.filter((t) => t.id !== self.id).slice(0, MAX_METAS);
  const metas = await readBackendMetas(ctx, others.map((t) => t.id));
  others.forEach((t, i) => known.set(t.id, { meta: metas[i] ?? null, summary: t }));

  const groupIds = groupIdsOf(self.id, known, MAX_GROUPS);
  if (groupIds.length === 0) return [];
  const keys = await readChordKeys(ctx, groupIds);
  const unread = [...new Set([...keys.values()].flatMap((k) => k.saved ?? []))].filter((id) => !known.has(id)).slice(0, MAX_METAS);
  const savedMetas = await readBackendMetas(ctx, unread);
  unread.forEach((id, i) => known.set(id, { meta: savedMetas[i] ?? null, summary: null }));
  return assembleGroups(groupIds, keys, known);
}
