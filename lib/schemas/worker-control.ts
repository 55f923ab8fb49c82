import { z } from 'zod';

// Worker control as the API and the worker page speak of it (isomorphic): the commands, and the
// answer — each addressed worker's reply, or its absence.

export const WORKER_CONTROL_COMMANDS = [
  'ping',
  'pool_grow',
  'pool_shrink',
  'autoscale',
  'add_consumer',
  'cancel_consumer',
  'rate_limit',
  'time_limit',
  'enable_events',
  'disable_events',
  'pool_restart',
  'shutdown',
] as const;
export type WorkerControlCommand = (typeof WORKER_CONTROL_COMMANDS)[number];
export const WorkerControlCommandSchema = z.enum(WORKER_CONTROL_COMMANDS);

export const WorkerControlReplySchema = z.object({
  hostname: z.string(),
  status: z.enum(['ok', 'error', 'no-reply']),
  reply: z.unknown().optional().describe("the worker's `ok` text, or its whole reply when it is not {ok}/{error}"),
  error: z.string().optional().describe("the worker's own error text"),
});
export type WorkerControlReply = z.infer<typeof WorkerControlReplySchema>;

export const WorkerControlResultSchema = z
  .object({
    hostname: z.string(),
    command: WorkerControlCommandSchema,
    arguments: z.record(z.string(), z.unknown()).describe('the arguments as sent to the worker (Celery’s names)'),
    replies: z.array(WorkerControlReplySchema).describe('the worker’s reply, or `no-reply` when it did not answer in time'),
    expectsReply: z.boolean().describe('false for shutdown: a worker never answers it (it sends worker-offline)'),
    elapsedMs: z.number(),
    auditId: z.string().describe('the audit log entry of this action'),
  })
  .meta({ id: 'WorkerControlResult' });
export type WorkerControlResult = z.infer<typeof WorkerControlResultSchema>;
