import type { IndexDimension } from '../store/keys';
import type { DerivedTask } from './derive';

// What a task is indexed under: one value per dimension (or none) and one score, its first-seen
// time. The writer compares old and new values to move the task between index sets.

export type IndexedValues = { score: number } & Partial<Record<IndexDimension, string>>;

export const INDEX_DIMENSIONS: readonly IndexDimension[] = ['state', 'name', 'worker', 'queue', 'root'];

export function indexedValues(t: DerivedTask): IndexedValues {
  const v: IndexedValues = { score: t.firstSeen, state: t.state };
  if (t.name) v.name = t.name;
  if (t.worker) v.worker = t.worker;
  if (t.queue) v.queue = t.queue;
  // Only workflow members are indexed by root (a standalone task is its own root, and an index
  // set per standalone task would cost more memory than the task); queries add the root itself.
  if (t.rootId && t.rootId !== t.id) v.root = t.rootId;
  return v;
}
