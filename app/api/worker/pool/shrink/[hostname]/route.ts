import { workerControlRoute } from '@/lib/server/flower/control-route';
import { intParam } from '@/lib/server/flower/params';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/worker/pool/shrink/{hostname} – Flower-compatible: `n` fewer pool processes (default 1).
export const POST = workerControlRoute({
  summary: "Flower-compatible: shrink a worker's pool by n processes",
  command: 'pool_shrink',
  fields: { n: intParam.optional().describe('processes to remove; default 1') },
  args: (f) => ({ n: f.n ?? 1 }),
  ok: (w, f) => `Shrinking '${w}' worker's pool by ${f.n ?? 1}`,
  refused: (w, _f, reason) => `Failed to shrink '${w}' worker's pool: ${reason}`,
});
