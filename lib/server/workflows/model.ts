import { collectEvidence, buildGroups } from './workflow-groups';
import { own } from './own';
import { buildTask, parseMeta, type ResultMeta } from './workflow-tasks';
import { FAILED_STATES, FINAL_STATES, type WorkflowEdge, type WorkflowGroupModel, type WorkflowInput, type WorkflowModel, type WorkflowState, type WorkflowTask } from './types';

// The workflow as it really ran, from what Celery leaves (pure: no I/O). Tasks are the root and
// every task that names it as root; groups and chords come from the members' result metas, the
// chord keys, saved groups and results trees. Where nothing says, the model says "unknown".

const DEFAULT_STUCK_AFTER_SECONDS = 600;

function buildEdges(tasks: ReadonlyMap<string, WorkflowTask>, groups: readonly WorkflowGroupModel[]): WorkflowEdge[] {
  const edges: WorkflowEdge[] = [];
  for (const t of tasks.values()) if (t.parentId && tasks.has(t.parentId)) edges.push({ from: t.parentId, to: t.id, kind: 'parent' });
  for (const g of groups) {
    const cb = g.callback?.id;
    if (cb && tasks.has(cb)) for (const m of g.members) edges.push({ from: m, to: cb, kind: 'chord' });
  }
  return edges;
}

function byTime(a: number | null, b: number | null): number {
  return (a ?? Infinity) - (b ?? Infinity);
}

function workflowState(tasks: readonly WorkflowTask[], groups: readonly WorkflowGroupModel[], now: number, stuckAfter: number): WorkflowState {
  const failed = tasks.filter((t) => FAILED_STATES.has(t.state)).sort((a, b) => byTime(a.ended, b.ended))[0];
  if (failed) return { status: 'failed', at: failed.id };
  const open = tasks.filter((t) => !FINAL_STATES.has(t.state)).sort((a, b) => byTime(a.sent, b.sent));
  const waiting = groups.some((g) => g.callback?.fate === 'waiting' || g.callback?.fate === 'sent');
  if (open.length === 0 && !waiting) return { status: 'succeeded', at: null };
  const lastUpdate = Math.max(0, ...tasks.map((t) => t.lastUpdate));
  const at = open[0]?.id ?? null;
  return { status: now - lastUpdate > stuckAfter ? 'stuck' : 'running', at: now - lastUpdate > stuckAfter ? at : null };
}

/** From the task that finished last back to the start: each step waited on the one before. */
function criticalPath(tasks: ReadonlyMap<string, WorkflowTask>, edges: readonly WorkflowEdge[]): string[] {
  const last = [...tasks.values()].filter((t) => t.ended !== null).sort((a, b) => byTime(b.ended, a.ended))[0];
  const path: string[] = [];
  const seen = new Set<string>();
  for (let t = last; t && !seen.has(t.id); ) {
    seen.add(t.id);
    path.push(t.id);
    const id: string = t.id;
    const joins = edges.filter((e) => e.kind === 'chord' && e.to === id).map((e) => tasks.get(e.from));
    const lastJoin = joins.filter((j): j is WorkflowTask => j !== undefined).sort((a, b) => byTime(b.ended, a.ended))[0];
    t = lastJoin ?? (t.parentId ? tasks.get(t.parentId) : undefined);
  }
  return path.reverse();
}

export function buildWorkflow(input: WorkflowInput): WorkflowModel {
  const metas = new Map<string, ResultMeta>();
  for (const [id, raw] of Object.entries(input.metas)) {
    const m = parseMeta(raw);
    if (m) metas.set(id, m);
  }
  const tasks = new Map<string, WorkflowTask>();
  for (const id of new Set([input.rootId, ...Object.keys(input.events), ...metas.keys()])) if (own(input.events, id) || metas.has(id)) tasks.set(id, buildTask(id, own(input.events, id), metas.get(id) ?? null));
  const groups = buildGroups(tasks, metas, collectEvidence(metas, input.savedGroups, input.chordKeys));
  const edges = buildEdges(tasks, groups);
  const list = [...tasks.values()].sort((a, b) => byTime(a.sent, b.sent) || a.id.localeCompare(b.id));
  const state = workflowState(list, groups, input.now, input.stuckAfterSeconds ?? DEFAULT_STUCK_AFTER_SECONDS);
  const starts = list.map((t) => t.sent ?? t.started).filter((v): v is number => v !== null);
  const ends = list.map((t) => t.ended).filter((v): v is number => v !== null);
  return {
    rootId: input.rootId,
    tasks: list,
    groups,
    edges,
    state,
    start: starts.length > 0 ? Math.min(...starts) : null,
    end: state.status === 'succeeded' || state.status === 'failed' ? (ends.length > 0 ? Math.max(...ends) : null) : null,
    criticalPath: criticalPath(tasks, edges),
  };
}
