import 'server-only';
import type { TaskDetail, TaskDetailView, TaskSummary } from '@/lib/schemas/api';
import { notFound } from '@/lib/errors';
import type { TrellisContext } from '../context';
import { readBackendMeta } from '../backend/read-backend-meta';
import { groupIdOf } from '../backend/group-progress';
import { readWorkflowGroups } from '../backend/workflow-groups';
import { FULL_VIEW, redactorFor, redactTaskDetail, type RedactView } from '../redaction';
import { deriveTask } from './derive';
import { listTasks } from './list-tasks';
import { parseTaskDoc } from './task-doc';
import { readTaskActions, retryLinks } from '../actions/task-notes';

// One task: its record and full event history from the store, with the result backend's meta and
// the progress of the groups and chords in its workflow. A task Trellis never saw an event for but
// the backend knows is still shown, from the meta alone.

/** Workflow members read (newest first), as the task page's tree shows them. */
export const WORKFLOW_LIMIT = 500;

export async function getTask(ctx: TrellisContext, id: string, view: RedactView = FULL_VIEW): Promise<TaskDetailView> {
  return (await getTaskWithWorkflow(ctx, id, view)).task;
}

/** The task and its workflow's members (the page draws the tree from them), redacted for `view`. */
export async function getTaskWithWorkflow(ctx: TrellisContext, id: string, view: RedactView = FULL_VIEW): Promise<{ task: TaskDetailView; workflow: TaskSummary[] }> {
  const task = await readTask(ctx, id);
  const workflow = (await listTasks(ctx, { root: task.rootId ?? task.id, limit: WORKFLOW_LIMIT }, view)).items;
  const groups = await readWorkflowGroups(ctx, task, workflow);
  return { task: redactTaskDetail({ ...task, groupId: groupIdOf(task.backend), groups }, redactorFor(ctx.config), view), workflow };
}

async function readTask(ctx: TrellisContext, id: string): Promise<TaskDetail> {
  const [raw, backend, actions] = await Promise.all([ctx.store.get(ctx.keys.task(id)), readBackendMeta(ctx, id), readTaskActions(ctx, id)]);
  const doc = parseTaskDoc(raw, id);
  if (!doc && !backend) throw notFound(`task ${id}`);
  const task = { ...deriveTask(id, doc ?? { e: [] }), actions, ...retryLinks(actions) };
  if (!doc && backend) {
    const extra = backend.extra;
    return {
      ...task,
      state: backend.status,
      name: typeof extra.name === 'string' ? extra.name : null,
      worker: typeof extra.worker === 'string' ? extra.worker : null,
      queue: typeof extra.queue === 'string' ? extra.queue : null,
      backend,
    };
  }
  return { ...task, backend };
}
