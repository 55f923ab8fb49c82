import { z } from 'zod';
import { TaskSummarySchema } from './tasks';

// POST /api/v1/tasks/revoke answers: a dry run's preview, or what the action did.

const WorkerRevokeReplySchema = z.object({
  hostname: z.string(),
  status: z.enum(['ok', 'partial', 'error', 'no-reply']).describe('ok: answered every revoke message; partial: some; no-reply: none'),
  answered: z.number().int(),
  messages: z.number().int(),
  reply: z.string().nullable().describe("the worker's first reply, shortened"),
  error: z.string().optional(),
});

const RevokePreviewSchema = z.object({
  dryRun: z.literal(true),
  previewId: z.string().describe('send it back as `previewId` to revoke exactly this set'),
  expiresAt: z.number(),
  count: z.number().int(),
  revocable: z.number().int().describe('not final yet: what the action revokes'),
  final: z.number().int().describe('already final: skipped'),
  waiting: z.number().int().describe('waiting in a queue: their messages are removed'),
  states: z.record(z.string(), z.number().int()),
  sample: z.array(TaskSummarySchema).describe('the first 20'),
  truncated: z.boolean().describe('the filter matched more than 10,000 tasks'),
});

const RevokeResultSchema = z.object({
  dryRun: z.literal(false),
  auditId: z.string(),
  terminate: z.boolean(),
  signal: z.string().nullable(),
  requested: z.number().int(),
  skippedFinal: z.number().int(),
  removedFromQueue: z.number().int(),
  messages: z.number().int(),
  durableDropped: z.number().int().describe('older durable revokes dropped to keep at most 50,000'),
  replies: z.array(WorkerRevokeReplySchema),
});

export const RevokeResponseSchema = z.union([RevokePreviewSchema, RevokeResultSchema]).meta({ id: 'RevokeResponse' });
