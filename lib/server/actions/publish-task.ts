import 'server-only';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { AppError } from '@/lib/errors';
import { buildTaskMessage, type BuiltTaskMessage, type TaskSpec } from '../celery/task-message';
import type { TrellisContext } from '../context';

// Publishes task messages on the broker as Celery does (protocol doc §3.5): SADD the queue's
// binding, LPUSH the message onto the list of its priority band. Every message is built and
// validated before anything is sent; many messages go in pipelines of PIPELINE_CHUNK.

const PIPELINE_CHUNK = 1_000;

/** `trellis@<host>`, what the message's `origin` header names as publisher. */
export const TRELLIS_ORIGIN = `trellis@${os.hostname()}`.slice(0, 255);

/** Builds (and validates) one message under a new id; throws a ZodError on anything invalid. */
export function buildTask(ctx: TrellisContext, spec: TaskSpec, id: string = randomUUID()): BuiltTaskMessage {
  const built = buildTaskMessage(ctx.celery, spec, { id, deliveryTag: randomUUID(), origin: TRELLIS_ORIGIN });
  // The store may share the broker's database: a queue named like one of its keys would write into it.
  if (built.listKey.startsWith(ctx.keys.prefix)) throw new AppError('INVALID_INPUT', `queue ${JSON.stringify(spec.queue)} would be a key of Trellis' store`);
  return built;
}

/** Publishes messages already built; returns the Redis round trips used. */
export async function publishBuilt(ctx: TrellisContext, built: readonly BuiltTaskMessage[]): Promise<number> {
  let roundTrips = 0;
  for (let i = 0; i < built.length; i += PIPELINE_CHUNK) {
    const pipe = ctx.broker.pipeline();
    const declared = new Set<string>();
    for (const m of built.slice(i, i + PIPELINE_CHUNK)) {
      if (!declared.has(m.bindingKey)) pipe.sadd(m.bindingKey, m.bindingMember);
      declared.add(m.bindingKey);
      pipe.lpush(m.listKey, m.message);
    }
    const replies = (await pipe.exec()) ?? [];
    roundTrips += 1;
    const failed = replies.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }
  return roundTrips;
}

/** Validates and publishes one task (under `id`, else a new UUID); returns its id. */
export async function publishTask(ctx: TrellisContext, spec: TaskSpec, id?: string): Promise<string> {
  const built = buildTask(ctx, spec, id);
  await publishBuilt(ctx, [built]);
  return built.id;
}
