import { QueueNameSchema } from '@/lib/server/flower/params';
import { workerControlRoute } from '@/lib/server/flower/control-route';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/worker/queue/add-consumer/{hostname} – Flower-compatible: the worker starts consuming `queue`.
export const POST = workerControlRoute({
  summary: 'Flower-compatible: a worker starts consuming a queue',
  command: 'add_consumer',
  fields: { queue: QueueNameSchema },
  args: (f) => ({ queue: f.queue }),
  ok: (_w, _f, reply) => reply,
  refused: (w, f, reason) => `Failed to add '${f.queue}' consumer to '${w}' worker: ${reason}`,
});
