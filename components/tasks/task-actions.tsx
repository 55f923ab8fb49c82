'use client';

import { useState } from 'react';
import { TaskActionDialog } from './task-action-dialog';
import type { TaskActionSpec, TaskSelection } from './task-action-types';

// The action buttons of one task (task page); each opens the confirmation dialog for this task.

export function TaskActions({ taskId, actions }: { taskId: string; actions: TaskActionSpec[] }) {
  const [open, setOpen] = useState<{ action: TaskActionSpec; selection: TaskSelection } | null>(null);
  return (
    <div role="group" aria-label="Task actions" className="flex gap-2">
      {actions.map((a) => (
        <button key={a.id} type="button" onClick={() => setOpen({ action: a, selection: { ids: [taskId] } })} className="rounded border border-border px-3 py-1 text-sm hover:border-bad">
          {a.label}…
        </button>
      ))}
      {open && <TaskActionDialog action={open.action} selection={open.selection} onClose={() => setOpen(null)} />}
    </div>
  );
}
