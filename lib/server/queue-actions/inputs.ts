import 'server-only';
import { z } from 'zod';
import { QueueNameSchema } from '../celery/control';

// Request shapes of the queue actions (routes validate with these; the OpenAPI document shows them).

// Every action says whether it is a dry run: a request that does not (an empty body, a stray DELETE)
// is refused (422) and changes nothing.
const DryRun = z.boolean().describe('required: true = counts per band and a sample, nothing changed; false = act');

export const QueueParamsSchema = z.object({ name: QueueNameSchema });
export const ArchiveParamsSchema = z.object({ name: QueueNameSchema, archiveId: z.string().regex(/^[a-z0-9]{6,16}-[0-9a-f]{8}$/, 'an archive id as purge returned it') });
export const MessageParamsSchema = z.object({ name: QueueNameSchema, taskId: z.string().min(1).max(255) });

export const PurgeBodySchema = z.object({ dryRun: DryRun }).strict();
export const RestoreBodySchema = z.object({ dryRun: DryRun, to: QueueNameSchema.optional().describe('another queue (default: the one it was purged from)') }).strict();
export const MoveBodySchema = z
  .object({ dryRun: DryRun, to: QueueNameSchema, count: z.number().int().min(1).max(10_000_000).optional().describe('the next N to run (default: all)') })
  .strict();
/** DELETE takes no body: `?dryRun=true` or `?dryRun=false`, required. */
export const DryRunQuerySchema = z.object({ dryRun: z.enum(['true', 'false']).transform((v) => v === 'true').describe('required: true = nothing changed; false = delete') });
