import { QueueNameSchema } from '@/lib/server/flower/params';
import { workerControlRoute } from '@/lib/server/flower/control-route';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/worker/queue/cancel-consumer/{hostname} – Flower-compatible: the worker stops consuming `queue`.
export const POST = workerControlRoute({
  summary: 'Flower-compatible: a worker stops consuming a queue',
  command: 'cancel_consumer',
  fields: { queue: QueueNameSchema },
  args: (f) => ({ queue: f.queue }),
  ok: (_w, _f, reply) => reply,
  refused: (w, f, reason) => `Failed to cancel '${f.queue}' consumer from '${w}' worker: ${reason}`,
});
