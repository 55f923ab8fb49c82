import { workerControlRoute } from '@/lib/server/flower/control-route';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/worker/shutdown/{hostname} – Flower-compatible: warm shutdown (workers do not answer it).
export const POST = workerControlRoute({
  summary: 'Flower-compatible: shut a worker down',
  command: 'shutdown',
  fields: {},
  args: () => ({}),
  ok: () => 'Shutting down!',
  refused: () => 'Shutting down!',
});
