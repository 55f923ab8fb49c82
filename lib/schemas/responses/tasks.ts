import { z } from 'zod';
import { listEnvelope } from './envelope';

// Response shapes of the task endpoints as zod schemas: the OpenAPI document is generated from
// them, and lib/openapi/response-type-checks.ts proves they match the TS types in lib/schemas/api.ts.

const epoch = z.number().describe('epoch seconds');
const maybeEpoch = epoch.nullable();
const text = z.string().nullable();

export const TaskSummarySchema = z
  .object({
    id: z.string(),
    name: text,
    state: z.string(),
    worker: text,
    queue: text,
    rootId: text,
    parentId: text,
    retries: z.number().int(),
    args: text.describe('repr, redacted (hidden from viewers with TRELLIS_HIDE_ARGS=viewer)'),
    kwargs: text.describe('repr, redacted'),
    result: text.describe('repr, redacted'),
    exception: text.describe('redacted'),
    eta: text,
    expires: text,
    firstSeen: epoch,
    lastUpdate: epoch,
    sent: maybeEpoch,
    received: maybeEpoch,
    started: maybeEpoch,
    ended: maybeEpoch,
    runtime: z.number().nullable(),
  })
  .meta({ id: 'TaskSummary' });

export const TaskPageSchema = listEnvelope(TaskSummarySchema);

const TaskEventSchema = z.object({
  type: z.string(),
  timestamp: maybeEpoch.describe("sender's clock"),
  localReceived: epoch.describe('when Trellis received it'),
  hostname: text,
  fields: z.record(z.string(), z.unknown()).describe('every other field of the event (redacted)'),
  inferred: z.boolean().optional().describe('inferred rather than observed (e.g. reconciled from the result backend)'),
});

const TaskAttemptSchema = z.object({
  retries: z.number().int(),
  worker: text,
  received: maybeEpoch,
  started: maybeEpoch,
  ended: maybeEpoch,
  eta: text,
  outcome: z.enum(['running', 'waiting', 'succeeded', 'failed', 'retried', 'revoked', 'rejected', 'cancelled', 'unknown']),
  exception: text,
  traceback: text,
  waited: z.number().nullable(),
  ran: z.number().nullable(),
});

const BackendMetaSchema = z.object({
  status: z.string(),
  result: z.unknown(),
  traceback: text,
  children: z.array(z.string()),
  dateDone: text,
  extra: z.record(z.string(), z.unknown()),
});

const WorkflowGroupSchema = z.object({
  id: z.string(),
  chord: z.boolean(),
  source: z.enum(['chord-join', 'saved-group', 'members']),
  size: z.number().int().nullable(),
  done: z.number().int(),
  succeeded: z.number().int().nullable(),
  failed: z.number().int().nullable(),
  members: z.array(z.object({ id: z.string(), state: z.string() })),
  membersKnown: z.number().int(),
  callback: z
    .object({ status: z.enum(['waiting', 'not-run', 'sent', 'unknown']), id: text, name: text, state: text, result: text })
    .nullable(),
});

export const TaskDetailSchema = TaskSummarySchema.extend({
  traceback: text,
  exchange: text,
  routingKey: text,
  clientHostname: text,
  revoked: z.object({ terminated: z.boolean(), signum: z.union([z.number(), z.string()]).nullable(), expired: z.boolean() }).nullable(),
  events: z.array(TaskEventSchema),
  attempts: z.array(TaskAttemptSchema),
  eventsTruncated: z.number().int(),
  backend: BackendMetaSchema.nullable(),
  actions: z.array(
    z.object({ at: epoch, action: z.string(), by: z.string(), auditId: text, detail: text, relatedId: text }).meta({ description: 'an operator action on the task (revoke-requested, retried-as, retry-of, purged, …)' }),
  ),
  retriedAs: z.array(z.string()).describe('new ids this task was retried as, oldest first'),
  retryOf: text.describe('the task this one is a retry of'),
  groupId: text,
  groups: z.array(WorkflowGroupSchema),
}).meta({ id: 'TaskDetail' });

export const TaskCountsSchema = z.object({ counts: z.record(z.string(), z.number().int()) });

export const ThroughputSchema = z.object({
  points: z.array(
    z.object({
      minute: epoch,
      counts: z.record(z.string(), z.number().int()),
      runtimeP50: z.number().nullable(),
      runtimeP95: z.number().nullable(),
    }),
  ),
  topFailing: z.array(z.object({ name: z.string(), failed: z.number().int() })),
});
