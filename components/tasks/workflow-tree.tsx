import Link from 'next/link';
import type { TaskSummary } from '@/lib/schemas/api';
import { StateBadge } from '@/components/ui/badges';

// Everything under one workflow root, as a tree by parent id (chain links, chord bodies, group
// members). Tasks whose parent Trellis has not seen hang from the root.

export function WorkflowTree({ rootId, tasks, current }: { rootId: string; tasks: TaskSummary[]; current: string }) {
  const byParent = new Map<string, TaskSummary[]>();
  const ids = new Set(tasks.map((t) => t.id));
  for (const t of tasks) {
    if (t.id === rootId) continue;
    const parent = t.parentId && ids.has(t.parentId) ? t.parentId : rootId;
    byParent.set(parent, [...(byParent.get(parent) ?? []), t]);
  }
  for (const list of byParent.values()) list.sort((a, b) => a.firstSeen - b.firstSeen);
  const root = tasks.find((t) => t.id === rootId);
  const node = (t: TaskSummary | undefined, id: string, depth: number): React.ReactNode => (
    <li key={id}>
      <div className={`flex items-center gap-2 py-0.5 ${id === current ? 'font-semibold' : ''}`}>
        {t ? <StateBadge state={t.state} /> : <span className="text-xs text-muted">not seen</span>}
        <Link href={`/tasks/${id}`} className="font-mono text-sm text-accent hover:underline">
          {t?.name ?? id}
        </Link>
        <span className="font-mono text-xs text-muted">{id.slice(0, 8)}</span>
      </div>
      {(byParent.get(id)?.length ?? 0) > 0 && depth < 50 && (
        <ul className="ml-4 border-l border-border pl-3">{(byParent.get(id) ?? []).map((c) => node(c, c.id, depth + 1))}</ul>
      )}
    </li>
  );
  return <ul aria-label="Workflow tree">{node(root, rootId, 0)}</ul>;
}
