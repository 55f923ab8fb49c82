import 'server-only';
import type { TaskDetail } from '@/lib/schemas/api';
import { notFound } from '@/lib/errors';
import type { TrellisContext } from '../context';
import { readBackendMeta } from '../backend/read-backend-meta';
import { deriveTask } from './derive';
import { parseTaskDoc } from './task-doc';

// One task: its record and full event history from the store, with the result backend's meta.
// A task Trellis never saw an event for but the backend knows is still shown, from the meta alone.

export async function getTask(ctx: TrellisContext, id: string): Promise<TaskDetail> {
  const [raw, backend] = await Promise.all([ctx.store.get(ctx.keys.task(id)), readBackendMeta(ctx, id)]);
  const doc = parseTaskDoc(raw, id);
  if (!doc && !backend) throw notFound(`task ${id}`);
  const task = deriveTask(id, doc ?? { e: [] });
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
