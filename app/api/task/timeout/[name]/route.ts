import { taskControlRoute } from '@/lib/server/flower/control-route';
import { numberParam } from '@/lib/server/flower/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/task/timeout/{name} – Flower-compatible: a task's soft and hard time limits (seconds).
export const POST = taskControlRoute({
  summary: "Flower-compatible: set a task's soft and hard time limits",
  command: 'time_limit',
  fields: { soft: numberParam.optional().describe('soft time limit, seconds'), hard: numberParam.optional().describe('hard time limit, seconds') },
  args: (task, f) => ({ task_name: task, soft: f.soft ?? null, hard: f.hard ?? null }),
  refused: (reason) => `Failed to set timeouts: '${reason}'`,
});
