import { workerControlRoute } from '@/lib/server/flower/control-route';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/worker/pool/restart/{hostname} – Flower-compatible: restart the pool (the worker must allow pool restarts).
export const POST = workerControlRoute({
  summary: "Flower-compatible: restart a worker's pool",
  command: 'pool_restart',
  fields: {},
  args: () => ({ reload: false }),
  ok: (w) => `Restarting '${w}' worker's pool`,
  refused: (w, _f, reason) => `Failed to restart the '${w}' pool: ${reason}`,
});
