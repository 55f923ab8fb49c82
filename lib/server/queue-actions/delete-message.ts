import 'server-only';
import { AppError, notFound } from '@/lib/errors';
import type { TrellisContext } from '../context';
import { messageTaskId } from '../celery/queue-message';
import { runAction } from '../actions/run-action';
import { noteTaskActions } from '../actions/task-notes';
import { redactorFor, redactPeekPage } from '../redaction';
import { peekedMessage } from '../queues/peek';
import type { PeekedMessage } from '../queues/types';
import type { QueueVerb } from './verb';

// queues.message_delete (admin): one waiting message, found by its task id, removed for good
// (LREM of exactly its bytes, so a message taken by a worker meanwhile is never mistaken for
// another). The search is bounded: the first SEARCH_BOUND messages to run, read SEARCH_STEP at a
// time from each band's right end (highest priority band first).

export const SEARCH_BOUND = 100_000;
export const SEARCH_STEP = 1_000;

interface Found {
  raw: Buffer;
  key: string;
  band: number;
  position: number;
}

async function findWaiting(ctx: TrellisContext, queue: string, taskId: string): Promise<Found | null> {
  let position = 0;
  for (const { key, step } of ctx.celery.queueBandKeys(queue)) {
    for (let offset = 0; position < SEARCH_BOUND; offset += SEARCH_STEP) {
      const read = (await ctx.broker.lrangeBuffer(key, -(offset + SEARCH_STEP), -(offset + 1))).reverse();
      const at = read.findIndex((m) => messageTaskId(m) === taskId);
      const raw = read[at];
      if (raw) return { raw, key, band: step, position: position + at };
      position += read.length;
      if (read.length < SEARCH_STEP) break;
    }
  }
  return null;
}

export interface MessageDeleted {
  dryRun: boolean;
  queue: string;
  taskId: string;
  deleted: number;
  message: PeekedMessage;
  auditId: string | null;
}

export async function deleteWaitingMessage({ ctx, principal, requestId, view, input }: QueueVerb<{ queue: string; taskId: string; dryRun: boolean }>): Promise<MessageDeleted> {
  const { queue, taskId } = input;
  const found = await findWaiting(ctx, queue, taskId).catch((err: unknown) => {
    if (err instanceof Error && /WRONGTYPE/.test(err.message)) throw notFound(`queue "${queue}" (its key is not a list)`);
    throw err;
  });
  if (!found) throw notFound(`task ${taskId} among the first ${SEARCH_BOUND.toLocaleString('en')} waiting messages of queue "${queue}"`);
  const [message] = redactPeekPage(
    { queue, depth: 1, offset: 0, limit: 1, items: [peekedMessage(found.raw, found.band, found.position)], nextOffset: null },
    redactorFor(ctx.config),
    view,
  ).items;
  if (!message) throw new AppError('INTERNAL', 'message view missing');
  if (input.dryRun) return { dryRun: true, queue, taskId, deleted: 0, message, auditId: null };
  const done = await runAction({ ctx, principal, requestId, action: 'queues.message_delete', target: queue, params: { taskId } }, async () => {
    const removed = await ctx.broker.lrem(found.key, -1, found.raw);
    if (removed === 0) throw new AppError('CONFLICT', `task ${taskId} left queue "${queue}" meanwhile (a worker took it)`);
    return { value: { dryRun: false, queue, taskId, deleted: removed, message }, result: { deleted: removed, band: found.band } };
  });
  await noteTaskActions(ctx, [taskId], { at: Date.now() / 1000, action: 'deleted', by: principal.name, auditId: done.auditId, detail: `from queue ${queue}` });
  return done;
}
