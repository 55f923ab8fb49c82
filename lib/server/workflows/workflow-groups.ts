import { parseResultNode, walkResults, type ResultNode } from './results-tree';
import { FAILED_STATES, FINAL_STATES, type ChordKeys, type WorkflowCallback, type WorkflowGroupModel, type WorkflowTask } from './types';
import type { ResultMeta } from './workflow-tasks';
import { own } from './own';

// Groups and chord headers of a workflow. Members are exactly the tasks whose result meta names the
// group: ids that appear only in a saved group or a results tree are not tasks and never members.

export interface GroupEvidence {
  chordKeys: Record<string, ChordKeys>;
  /** Trees from the metas' `children` and the saved groups. */
  trees: ResultNode[];
  /** Group ids whose saved value holds nested results (Celery saves a chord header with nested groups). */
  savedNested: Set<string>;
}

export function collectEvidence(metas: ReadonlyMap<string, ResultMeta>, savedGroups: Record<string, string>, chordKeys: Record<string, ChordKeys>): GroupEvidence {
  const trees: ResultNode[] = [];
  for (const meta of metas.values()) for (const c of meta.children ?? []) pushNode(trees, c);
  const savedNested = new Set<string>();
  for (const [gid, raw] of Object.entries(savedGroups)) {
    let value: unknown;
    try {
      value = (JSON.parse(raw) as { result?: unknown }).result;
    } catch {
      continue;
    }
    const node = parseResultNode(value);
    if (!node) continue;
    trees.push(node);
    if (node.results?.some((r) => r.results !== null || r.parent !== null)) savedNested.add(gid);
  }
  return { chordKeys, trees, savedNested };
}

function pushNode(into: ResultNode[], v: unknown): void {
  const n = parseResultNode(v);
  if (n) into.push(n);
}

/** Chord header id → its body's result id, from results whose parent is a GroupResult. */
function chordBodies(trees: readonly ResultNode[]): Map<string, string> {
  const out = new Map<string, string>();
  walkResults(trees, (n) => {
    if (n.parent?.results) out.set(n.parent.id, n.id);
  });
  return out;
}

interface Joined {
  id: string;
  state: string;
}

function parseJoined(entries: readonly string[] | null): Joined[] {
  const out: Joined[] = [];
  for (const raw of entries ?? []) {
    try {
      const v: unknown = JSON.parse(raw);
      if (Array.isArray(v) && typeof v[1] === 'string' && typeof v[2] === 'string') out.push({ id: v[1], state: v[2] });
    } catch {
      // not a join entry: skipped
    }
  }
  return out;
}

function isChordError(meta: ResultMeta | undefined): boolean {
  const r = meta?.result;
  return typeof r === 'object' && r !== null && 'exc_type' in r && r.exc_type === 'ChordError';
}

function callbackOf(
  bodyId: string | null,
  members: readonly WorkflowTask[],
  joined: readonly Joined[],
  allDone: boolean,
  tasks: ReadonlyMap<string, WorkflowTask>,
  metas: ReadonlyMap<string, ResultMeta>,
): WorkflowCallback {
  const body = bodyId ? tasks.get(bodyId) : undefined;
  if (bodyId && body) {
    if (body.state === 'FAILURE' && isChordError(metas.get(bodyId))) return { id: bodyId, fate: 'will-not-run', why: 'ChordError' };
    return { id: bodyId, fate: FINAL_STATES.has(body.state) || body.started !== null ? 'ran' : 'sent', why: null };
  }
  const failed = members.find((m) => FAILED_STATES.has(m.state)) ?? joined.find((j) => FAILED_STATES.has(j.state));
  if (failed) return { id: null, fate: 'will-not-run', why: `member ${failed.id} ${failed.state === 'FAILURE' ? 'failed' : failed.state.toLowerCase()} (ChordError)` };
  if (!allDone) return { id: null, fate: 'waiting', why: null };
  return { id: null, fate: 'unknown', why: 'every member succeeded; the callback left no trace Trellis reads' };
}

export function buildGroups(tasks: ReadonlyMap<string, WorkflowTask>, metas: ReadonlyMap<string, ResultMeta>, ev: GroupEvidence): WorkflowGroupModel[] {
  const byGroup = new Map<string, WorkflowTask[]>();
  for (const t of tasks.values()) if (t.groupId) byGroup.set(t.groupId, [...(byGroup.get(t.groupId) ?? []), t]);
  const bodies = chordBodies(ev.trees);
  const out: WorkflowGroupModel[] = [];
  for (const [id, members] of byGroup) {
    const keys = own(ev.chordKeys, id);
    const joined = parseJoined(keys?.joined ?? null);
    const evidence = keys ? 'chord-keys' : bodies.has(id) ? 'results-tree' : ev.savedNested.has(id) ? 'saved-nested' : 'members';
    const sizeKnown = keys?.size != null;
    const size = keys?.size != null ? keys.size + (keys.extra ?? 0) : members.length;
    const finished = members.filter((m) => FINAL_STATES.has(m.state)).length;
    const done = Math.min(size, Math.max(finished, joined.length));
    const kind = evidence === 'members' ? 'group' : 'chord';
    out.push({
      id,
      kind,
      evidence,
      size,
      sizeKnown,
      done,
      members: members.map((m) => m.id),
      callback: kind === 'chord' ? callbackOf(bodies.get(id) ?? null, members, joined, done >= size, tasks, metas) : null,
    });
  }
  return out;
}
