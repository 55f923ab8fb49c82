import { workerControlRoute } from '@/lib/server/flower/control-route';
import { intParam } from '@/lib/server/flower/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/worker/pool/autoscale/{hostname} – Flower-compatible: autoscaler bounds (the worker must run with --autoscale).
export const POST = workerControlRoute({
  summary: "Flower-compatible: set a worker's autoscale bounds",
  command: 'autoscale',
  fields: { min: intParam.describe('fewest pool processes'), max: intParam.describe('most pool processes') },
  args: (f) => ({ min: f.min, max: f.max }),
  ok: (w, f) => `Autoscaling '${w}' worker (min=${f.min}, max=${f.max})`,
  refused: (w, _f, reason) => `Failed to autoscale '${w}' worker: ${reason}`,
});
