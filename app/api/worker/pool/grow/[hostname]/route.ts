import { workerControlRoute } from '@/lib/server/flower/control-route';
import { intParam } from '@/lib/server/flower/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/worker/pool/grow/{hostname} – Flower-compatible: `n` more pool processes (default 1).
export const POST = workerControlRoute({
  summary: "Flower-compatible: grow a worker's pool by n processes",
  command: 'pool_grow',
  fields: { n: intParam.optional().describe('processes to add; default 1') },
  args: (f) => ({ n: f.n ?? 1 }),
  ok: (w, f) => `Growing '${w}' worker's pool by ${f.n ?? 1}`,
  refused: (w, _f, reason) => `Failed to grow '${w}' worker's pool: ${reason}`,
});
