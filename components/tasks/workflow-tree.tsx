import Link from 'next/link';
import type { TaskSummary, WorkflowGroup } from '@/lib/schemas/api';
import { StateBadge } from '@/components/ui/badges';
import { GroupProgress } from './group-progress';

// Everything under one workflow root, as a tree by parent id (chain links, chord bodies, group
// members). Tasks whose parent Trellis has not seen hang from the root. Siblings in one group or
// chord header are boxed together under its progress; groups with no member boxed in the tree
// (members elsewhere, or the root itself a member) are listed below it.

type Item = { kind: 'task'; task: TaskSummary } | { kind: 'group'; group: WorkflowGroup; members: TaskSummary[] };

export function WorkflowTree({ rootId, tasks, current, groups = [] }: { rootId: string; tasks: TaskSummary[]; current: string; groups?: WorkflowGroup[] }) {
  const byParent = new Map<string, TaskSummary[]>();
  const ids = new Set(tasks.map((t) => t.id));
  for (const t of tasks) {
    if (t.id === rootId) continue;
    const parent = t.parentId && ids.has(t.parentId) ? t.parentId : rootId;
    byParent.set(parent, [...(byParent.get(parent) ?? []), t]);
  }
  for (const list of byParent.values()) list.sort((a, b) => a.firstSeen - b.firstSeen);
  const groupOf = new Map<string, WorkflowGroup>();
  const callbackOf = new Map<string, WorkflowGroup>();
  for (const g of groups) {
    for (const m of g.members) if (!groupOf.has(m.id)) groupOf.set(m.id, g);
    if (g.callback?.id) callbackOf.set(g.callback.id, g);
  }
  const shown = new Set<string>();

  const items = (list: TaskSummary[]): Item[] => {
    const out: Item[] = [];
    const boxes = new Map<string, TaskSummary[]>();
    for (const t of list) {
      const g = groupOf.get(t.id);
      if (!g) {
        out.push({ kind: 'task', task: t });
        continue;
      }
      const box = boxes.get(g.id);
      if (box) box.push(t);
      else {
        const members = [t];
        boxes.set(g.id, members);
        out.push({ kind: 'group', group: g, members });
      }
    }
    return out;
  };

  const node = (t: TaskSummary | undefined, id: string, depth: number): React.ReactNode => {
    const cb = callbackOf.get(id);
    const children = byParent.get(id) ?? [];
    return (
      <li key={id}>
        <div className={`flex items-center gap-2 py-0.5 ${id === current ? 'font-semibold' : ''}`}>
          {t ? <StateBadge state={t.state} /> : <span className="text-xs text-muted">not seen</span>}
          <Link href={`/tasks/${id}`} className="font-mono text-sm text-accent hover:underline">
            {t?.name ?? id}
          </Link>
          <span className="font-mono text-xs text-muted">{id.slice(0, 8)}</span>
          {cb && <span className="text-xs text-muted">callback of chord {cb.id.slice(0, 8)}</span>}
        </div>
        {children.length > 0 && depth < 50 && <ul className="ml-4 border-l border-border pl-3">{items(children).map((it) => item(it, depth + 1))}</ul>}
      </li>
    );
  };

  const item = (it: Item, depth: number): React.ReactNode => {
    if (it.kind === 'task') return node(it.task, it.task.id, depth);
    const first = !shown.has(it.group.id);
    shown.add(it.group.id);
    return (
      <li key={`group:${it.group.id}`} className="my-1 rounded border border-border p-2" data-testid="workflow-group">
        {first ? <GroupProgress group={it.group} /> : <span className="text-xs text-muted">{`${it.group.chord ? 'chord' : 'group'} ${it.group.id.slice(0, 8)} (continued)`}</span>}
        <ul className="mt-1">{it.members.map((m) => node(m, m.id, depth))}</ul>
      </li>
    );
  };

  const tree = node(
    tasks.find((t) => t.id === rootId),
    rootId,
    0,
  );
  const elsewhere = groups.filter((g) => !shown.has(g.id));
  return (
    <div className="space-y-3">
      <ul aria-label="Workflow tree">{tree}</ul>
      {elsewhere.length > 0 && (
        <ul aria-label="Groups" className="space-y-2">
          {elsewhere.map((g) => (
            <li key={g.id} className="rounded border border-border p-2" data-testid="workflow-group">
              <GroupProgress group={g} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
