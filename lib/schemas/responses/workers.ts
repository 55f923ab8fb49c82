import { z } from 'zod';
import { TaskSummarySchema } from './tasks';

// Response shapes of the worker and health endpoints (checked against the TS types in lib/openapi/response-type-checks.ts).

const maybe = z.number().nullable();

export const WorkerSchema = z
  .object({
    hostname: z.string(),
    status: z.enum(['online', 'offline', 'lost']),
    pid: maybe,
    freq: maybe,
    lastHeartbeat: maybe,
    heartbeatAge: maybe.describe('seconds since the last heartbeat was received'),
    active: maybe,
    processed: maybe,
    loadavg: z.array(z.number()).nullable(),
    swIdent: z.string().nullable(),
    swVer: z.string().nullable(),
    swSys: z.string().nullable(),
    onlineSince: maybe,
    offlineAt: maybe,
    restarts: z.number().int(),
    previousPid: maybe,
    duplicatePids: z.array(z.number()).describe('two processes with this hostname sent heartbeats recently'),
  })
  .meta({ id: 'Worker' });

export const WorkerDetailSchema = WorkerSchema.extend({
  taskCounts: z.record(z.string(), z.number().int()).describe('tasks by name among its most recent tasks'),
  sampled: z.number().int(),
  recentTasks: z.array(TaskSummarySchema),
});

const GapSchema = z.object({
  start: z.number(),
  end: z.number().nullable(),
  reason: z.string(),
  reconciled: z.object({ checked: z.number(), updated: z.number() }).nullable().optional(),
});

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    redis: z.object({ store: z.boolean(), broker: z.boolean(), backend: z.boolean() }),
    collector: z.object({
      thisProcess: z.boolean(),
      holder: z.string().nullable(),
      running: z.boolean(),
      eventsPerSecond: z.number(),
      lagSeconds: z.object({ p50: maybe, p99: maybe }),
      eventsTotal: z.number(),
      malformedTotal: z.number(),
      ignoredTotal: z.number(),
      lastEventAt: maybe,
      lastFlushAt: maybe,
      backlog: z.object({
        bytes: z.number(),
        messages: z.number(),
        ageSeconds: maybe,
        peakBytes: z.number(),
        limitBytes: maybe,
        droppedMessages: z.number(),
      }),
    }),
    gaps: z.array(GapSchema),
  })
  .meta({ id: 'Health' });

export const WorkerListSchema = z.object({ items: z.array(WorkerSchema), nextCursor: z.null().describe('always null: every worker is in one page') });
