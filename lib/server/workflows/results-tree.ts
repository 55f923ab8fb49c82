// Celery serialises a result's `children` (and a saved group) as nested tuples (protocol doc §7.3):
//   AsyncResult  [[id, parent], null]   or  [id, parent]   (parent: a tuple like these, or null)
//   GroupResult  [[groupId, parent], [result, …]]
// A result whose parent is a GroupResult is a chord: the group is the header, the result the body.

export interface ResultNode {
  id: string;
  parent: ResultNode | null;
  /** Set for a GroupResult. */
  results: ResultNode[] | null;
}

function parseIdParent(v: unknown): { id: string; parent: ResultNode | null } | null {
  if (!Array.isArray(v) || typeof v[0] !== 'string') return null;
  return { id: v[0], parent: v[1] == null ? null : parseResultNode(v[1]) };
}

export function parseResultNode(v: unknown): ResultNode | null {
  if (!Array.isArray(v)) return null;
  const direct = parseIdParent(v);
  if (direct) return { ...direct, results: null };
  const head = parseIdParent(v[0]);
  if (!head) return null;
  const results = Array.isArray(v[1]) ? v[1].map(parseResultNode).filter((n): n is ResultNode => n !== null) : null;
  return { ...head, results };
}

/** Every node in the trees, parents and group members included. */
export function walkResults(roots: readonly ResultNode[], visit: (n: ResultNode) => void): void {
  const stack = [...roots];
  for (let n = stack.pop(); n; n = stack.pop()) {
    visit(n);
    if (n.parent) stack.push(n.parent);
    if (n.results) stack.push(...n.results);
  }
}
