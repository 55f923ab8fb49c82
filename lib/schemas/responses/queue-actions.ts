import { z } from 'zod';
import { listEnvelope } from './envelope';
import { PeekedMessageSchema } from './queues';

const BandCountSchema = z.object({ band: z.number().int().describe('priority step (0 = highest)'), count: z.number().int() });

const DryRunSchema = z.object({
  dryRun: z.literal(true),
  queue: z.string(),
  count: z.number().int().describe('messages the action would take'),
  bands: z.array(BandCountSchema),
  sample: z.array(PeekedMessageSchema).describe('the first of them, next to run first'),
});

export const PurgeAnswerSchema = z.union([
  DryRunSchema,
  z.object({
    dryRun: z.literal(false),
    queue: z.string(),
    archiveId: z.string().nullable().describe('null when the queue was empty'),
    purged: z.number().int(),
    bands: z.array(BandCountSchema),
    notedTasks: z.number().int().describe('tasks whose history notes the purge (the first 1,000 to run)'),
    auditId: z.string(),
  }),
]);

export const ArchiveSchema = z
  .object({
    id: z.string(),
    queue: z.string(),
    kind: z.enum(['purge', 'move']).describe('move: an interrupted move left these on their way to `to`'),
    to: z.string().nullable(),
    at: z.number().describe('epoch seconds'),
    by: z.string(),
    archived: z.array(BandCountSchema),
    remaining: z.array(BandCountSchema),
    total: z.number().int().describe('messages in the archive now'),
    expiresAt: z.number(),
  })
  .meta({ id: 'QueueArchive' });
export const ArchivePageSchema = listEnvelope(ArchiveSchema);
export type ArchiveRow = z.output<typeof ArchiveSchema>;

export const RestoreAnswerSchema = z.union([
  DryRunSchema.extend({ archiveId: z.string(), to: z.string(), byteForByte: z.boolean() }),
  z.object({
    dryRun: z.literal(false),
    queue: z.string(),
    archiveId: z.string(),
    to: z.string(),
    restored: z.number().int(),
    kept: z.number().int().describe('not envelopes a worker accepts: left in the archive'),
    left: z.number().int(),
    byteForByte: z.boolean().describe('false when restored to another queue (delivery_info rewritten)'),
    bands: z.array(BandCountSchema),
    auditId: z.string(),
  }),
]);

export const MoveAnswerSchema = z.union([
  DryRunSchema.extend({ to: z.string() }),
  z.object({
    dryRun: z.literal(false),
    queue: z.string(),
    to: z.string(),
    moved: z.number().int(),
    kept: z.number().int(),
    archiveId: z.string().nullable().describe('the staging archive holding what was not moved, else null'),
    bands: z.array(BandCountSchema),
    auditId: z.string(),
  }),
]);

export const ArchiveDeletedSchema = z.object({ dryRun: z.boolean(), queue: z.string(), archiveId: z.string(), deleted: z.number().int(), auditId: z.string().nullable() });

export const MessageDeletedSchema = z.object({
  dryRun: z.boolean(),
  queue: z.string(),
  taskId: z.string(),
  deleted: z.number().int(),
  message: PeekedMessageSchema,
  auditId: z.string().nullable(),
});
