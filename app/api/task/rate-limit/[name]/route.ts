import { z } from 'zod';
import { RateLimitSchema } from '@/lib/server/flower/params';
import { taskControlRoute } from '@/lib/server/flower/control-route';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/task/rate-limit/{name} – Flower-compatible: a task's rate limit on one worker (workername) or all.
export const POST = taskControlRoute({
  summary: "Flower-compatible: set a task's rate limit (none: remove it)",
  command: 'rate_limit',
  fields: { ratelimit: z.string().max(40).optional().describe('N, N/s, N/m or N/h; absent or empty removes the limit') },
  args: (task, f) => ({ task_name: task, rate_limit: RateLimitSchema.parse(f.ratelimit ? f.ratelimit : null) }),
  refused: (reason) => `Failed to set rate limit: '${reason}'`,
});
