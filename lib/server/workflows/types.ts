import type { StoredEvent } from '../tasks/stored-event';

// What Trellis can read about one workflow (all members share its root id), and the model built
// from it. Inputs are raw: the store's task documents, the backend's values as stored.

export interface ChordKeys {
  /** `.s`: the chord size set when the chord was applied. */
  size: number | null;
  /** `.j` entries, each `[index, taskId, state, result]` as JSON (null: no `.j` key). */
  joined: string[] | null;
  /** `.t`: members added later with add_to_chord. */
  extra: number | null;
}

export interface WorkflowInput {
  rootId: string;
  /** Task id → its stored events (decoded task document). */
  events: Record<string, readonly StoredEvent[]>;
  /** Task id → raw `celery-task-meta-<id>` value. */
  metas: Record<string, string>;
  /** Group id → raw `celery-taskset-meta-<id>` value (saved groups). */
  savedGroups: Record<string, string>;
  /** Group id → its chord keys (only groups where one of them exists). */
  chordKeys: Record<string, ChordKeys>;
  /** Seconds since the epoch (for "stuck"). */
  now: number;
  /** An unfinished workflow with no event for this long is stuck (default 600 s). */
  stuckAfterSeconds?: number;
}

export const FINAL_STATES = new Set(['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED']);
export const FAILED_STATES = new Set(['FAILURE', 'REVOKED', 'REJECTED']);

export interface WorkflowTask {
  id: string;
  name: string | null;
  state: string;
  parentId: string | null;
  /** The group or chord header it belongs to (its result meta's `group_id`), when known. */
  groupId: string | null;
  sent: number | null;
  started: number | null;
  ended: number | null;
  lastUpdate: number;
}

export type CallbackFate = 'waiting' | 'sent' | 'ran' | 'will-not-run' | 'unknown';

export interface WorkflowCallback {
  /** The callback's task id when Celery left it anywhere Trellis reads (else null). */
  id: string | null;
  fate: CallbackFate;
  /** Why it will not run, or why the fate is unknown. */
  why: string | null;
}

export interface WorkflowGroupModel {
  id: string;
  kind: 'group' | 'chord';
  /** What says it is a chord: its join keys, the results tree (a result whose parent is the group), a saved header with nested groups. */
  evidence: 'chord-keys' | 'results-tree' | 'saved-nested' | 'members';
  /** Chord size (`.s` + `.t`) when the keys still exist, else the members Trellis knows. */
  size: number;
  sizeKnown: boolean;
  /** Members in a final state; never above size. */
  done: number;
  /** Exactly the tasks whose result meta names this group (never an id that is no task). */
  members: string[];
  callback: WorkflowCallback | null;
}

export interface WorkflowEdge {
  from: string;
  to: string;
  kind: 'parent' | 'chord';
}

export interface WorkflowState {
  status: 'running' | 'succeeded' | 'failed' | 'stuck';
  /** The task it failed or is stuck at. */
  at: string | null;
}

export interface WorkflowModel {
  rootId: string;
  tasks: WorkflowTask[];
  groups: WorkflowGroupModel[];
  edges: WorkflowEdge[];
  state: WorkflowState;
  start: number | null;
  end: number | null;
  /** Task ids from the start to the task that finished last, each waiting on the one before. */
  criticalPath: string[];
}
