import 'server-only';
import { z } from 'zod';
import { QueueNameSchema, RateLimitSchema, TaskNameSchema, type ControlCommand } from '../celery/control';
import type { Principal } from '../auth/authenticate';
import type { TrellisContext } from '../context';
import { inspectWorker, requireKnownWorker } from '../inspect/inspect';
import { runAction } from '../actions/run-action';
import type { WorkerControlCommand, WorkerControlReply, WorkerControlResult } from '@/lib/schemas/worker-control';
import { repliesForAudit, sendControl, type ControlOutcome } from './send-control';

// One control command to one known worker (protocol doc §6.5), as an audited action
// ('workers.<command>', target the worker): each reply or its absence. The API names the arguments
// for people (rate limit `{task, rateLimit}`); they are mapped to Celery's (`task_name`,
// `rate_limit`) and validated again by the protocol layer before anything is published.

const Seconds = z.number().positive().max(7 * 86400).nullable();
const PoolSize = z.object({ n: z.number().int().min(1).max(100).default(1).describe('processes to add or remove (default 1)') }).strict();

/** The JSON body each command accepts (strict). */
export const WORKER_CONTROL_BODIES = {
  ping: z.object({}).strict(),
  pool_grow: PoolSize,
  pool_shrink: PoolSize,
  autoscale: z
    .object({ max: z.number().int().min(1).max(1000), min: z.number().int().min(0).max(1000) })
    .strict()
    .refine((a) => a.min <= a.max, 'autoscale: min must not exceed max'),
  add_consumer: z
    .object({
      queue: QueueNameSchema,
      exchange: QueueNameSchema.optional(),
      exchangeType: z.enum(['direct', 'topic', 'fanout']).optional(),
      routingKey: QueueNameSchema.optional(),
    })
    .strict(),
  cancel_consumer: z.object({ queue: QueueNameSchema }).strict(),
  rate_limit: z.object({ task: TaskNameSchema, rateLimit: RateLimitSchema.describe('"10/s", "5/m", "100/h", N per second; null or 0 removes it') }).strict(),
  time_limit: z.object({ task: TaskNameSchema, soft: Seconds.optional().describe('soft limit, seconds'), hard: Seconds.optional().describe('hard limit, seconds') }).strict(),
  enable_events: z.object({}).strict(),
  disable_events: z.object({}).strict(),
  pool_restart: z.object({ modules: z.array(z.string().regex(/^[A-Za-z_][\w.]*$/)).max(100).optional(), reload: z.boolean().optional() }).strict(),
  shutdown: z.object({}).strict(),
} satisfies Record<WorkerControlCommand, z.ZodType>;

/** Any command's body as the route takes it; controlWorker parses it with the command's strict schema (precise 422 messages). */
export const WorkerControlBodySchema = z
  .record(z.string(), z.unknown())
  .describe(
    'by command: pool_grow/pool_shrink {n}; autoscale {max, min}; add_consumer {queue, exchange?, exchangeType?, routingKey?}; cancel_consumer {queue}; rate_limit {task, rateLimit}; time_limit {task, soft?, hard?}; pool_restart {modules?, reload?}; the others {}',
  );

/** The body in Celery's argument names. */
function celeryArguments(command: Exclude<WorkerControlCommand, 'ping'>, body: unknown): Record<string, unknown> {
  switch (command) {
    case 'add_consumer': {
      const b = WORKER_CONTROL_BODIES.add_consumer.parse(body);
      return dropUndefined({ queue: b.queue, exchange: b.exchange, exchange_type: b.exchangeType, routing_key: b.routingKey });
    }
    case 'rate_limit': {
      const b = WORKER_CONTROL_BODIES.rate_limit.parse(body);
      return { task_name: b.task, rate_limit: b.rateLimit };
    }
    case 'time_limit': {
      const b = WORKER_CONTROL_BODIES.time_limit.parse(body);
      return dropUndefined({ task_name: b.task, soft: b.soft, hard: b.hard });
    }
    default:
      return WORKER_CONTROL_BODIES[command].parse(body) as Record<string, unknown>;
  }
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

interface Sent {
  replies: WorkerControlReply[];
  elapsedMs: number;
}

/** ping is a read-only inspect command (§6.5): asked through inspect, answered as a control reply. */
async function ping(ctx: TrellisContext, hostname: string): Promise<Sent> {
  const r = await inspectWorker(ctx, hostname, 'ping');
  const ok = r.reply && typeof r.reply === 'object' ? (r.reply as Record<string, unknown>).ok : undefined;
  const reply: WorkerControlReply =
    r.status === 'ok' ? { hostname, status: 'ok', reply: ok ?? r.reply } : r.status === 'error' ? { hostname, status: 'error', error: r.error ?? 'error' } : { hostname, status: 'no-reply' };
  return { replies: [reply], elapsedMs: r.elapsedMs };
}

function fromOutcome(o: ControlOutcome): Sent {
  return { replies: o.replies, elapsedMs: o.elapsedMs };
}

export interface WorkerControlRequest {
  ctx: TrellisContext;
  principal: Principal;
  requestId: string | null;
  hostname: string;
  command: WorkerControlCommand;
  /** The JSON body, in the API's names. */
  body: unknown;
}

/**
 * Validates the body (422), checks the worker is known (404: nothing published for a made-up name),
 * then runs the command as an action. A worker's `{error}` reply is a failed outcome; no reply
 * (but for shutdown, which is never answered) is partial: the command may or may not have applied.
 */
export async function controlWorker(req: WorkerControlRequest): Promise<WorkerControlResult> {
  const { ctx, hostname, command } = req;
  const args = command === 'ping' ? WORKER_CONTROL_BODIES.ping.parse(req.body) : celeryArguments(command, req.body);
  await requireKnownWorker(ctx, hostname);
  const expectsReply = command !== 'shutdown';
  return runAction({ ctx: req.ctx, principal: req.principal, requestId: req.requestId, action: `workers.${command}`, target: hostname, params: args }, async () => {
    const sent = command === 'ping' ? await ping(ctx, hostname) : fromOutcome(await sendControl(ctx, command satisfies ControlCommand, args, [hostname]));
    const outcome = sent.replies.some((r) => r.status === 'error') ? 'failed' : expectsReply && sent.replies.some((r) => r.status === 'no-reply') ? 'partial' : 'ok';
    return {
      value: { hostname, command, arguments: args, replies: sent.replies, expectsReply, elapsedMs: sent.elapsedMs },
      outcome,
      result: { replied: sent.replies.filter((r) => r.status !== 'no-reply').length },
      replies: repliesForAudit(sent),
    };
  });
}
