import { z } from 'zod';

// POST /api/v1/tasks/retry answers: a dry run's preview, or what the retry published.

const ArgsSourceSchema = z.enum(['backend', 'repr', 'operator']).describe("where the arguments came from: the result backend's extended fields, the args/kwargs repr, or the operator");
const SkippedSchema = z.object({ id: z.string(), reason: z.string() });

export const RetryPreviewSchema = z.object({
  dryRun: z.literal(true),
  previewId: z.string().describe('send it back as `previewId` to retry exactly this set'),
  expiresAt: z.number(),
  count: z.number().int().describe('tasks selected'),
  retryable: z.number().int(),
  skippedCount: z.number().int().describe('not finished, unknown, or arguments that cannot be known'),
  sample: z.array(z.object({ id: z.string(), name: z.string(), queue: z.string(), argsSource: ArgsSourceSchema })).describe('the first 20 retryable'),
  skipped: z.array(SkippedSchema).describe('the first 20 skipped, with the reason'),
  truncated: z.boolean().describe('the filter matched more than 10,000 tasks'),
});
export type RetryPreview = z.output<typeof RetryPreviewSchema>;

export const RetryResultSchema = z.object({
  dryRun: z.literal(false),
  auditId: z.string(),
  count: z.number().int().describe('tasks published again'),
  retried: z.array(z.object({ id: z.string(), newId: z.string(), name: z.string(), queue: z.string(), argsSource: ArgsSourceSchema })),
  skipped: z.array(SkippedSchema),
  roundTrips: z.number().int().describe('Redis round trips the retry took (reads, publishes, history notes)'),
});
export type RetryResult = z.output<typeof RetryResultSchema>;

export const RetryResponseSchema = z.union([RetryPreviewSchema, RetryResultSchema]);
