import { z } from 'zod';

// The audit log's entries and query (isomorphic: the API validates with them, the Audit page reads them).

export const AuditOutcomeSchema = z.enum(['ok', 'partial', 'failed', 'refused', 'dry-run']);
export type AuditOutcome = z.infer<typeof AuditOutcomeSchema>;

export const AuditEntrySchema = z.object({
  /** Epoch seconds. */
  at: z.number(),
  actor: z.object({ id: z.string(), kind: z.enum(['anonymous', 'user', 'token']), name: z.string(), role: z.string() }),
  /** What was done, `<area>.<verb>`: tasks.revoke, queues.purge, workers.pool_grow, … */
  action: z.string(),
  /** What it was done to: a task id, a queue, a worker, or a description of a set ("412 tasks"). */
  target: z.string(),
  /** The request's parameters (filter, options), as given. */
  params: z.record(z.string(), z.unknown()),
  /** How many the preview selected (dry run or previewId), or null when there was none. */
  previewCount: z.number().int().nullable(),
  outcome: AuditOutcomeSchema,
  /** What it did: counts, ids of new tasks, archive id, and so on. */
  result: z.record(z.string(), z.unknown()),
  /** Each worker's reply to the command, or its absence (`no-reply`). */
  replies: z.record(z.string(), z.unknown()),
  /** The error, when the outcome is failed or refused. */
  error: z.string().nullable(),
  requestId: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const AuditQuerySchema = z
  .object({
    actor: z.string().max(200).optional().describe('principal name or id'),
    action: z.string().max(100).optional().describe('exact action, or a prefix ending in "." (e.g. "queues.")'),
    target: z.string().max(300).optional().describe('exact target (task id, queue, worker)'),
    outcome: AuditOutcomeSchema.optional(),
    since: z.coerce.number().optional().describe('epoch seconds'),
    until: z.coerce.number().optional().describe('epoch seconds'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().regex(/^\d+-\d+$/).optional().describe('opaque: the nextCursor of the previous page'),
  })
  .strict();
export type AuditQuery = z.output<typeof AuditQuerySchema>;
