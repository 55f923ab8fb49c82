import { z } from 'zod';
import { AuditEntrySchema } from '@/lib/schemas/audit';
import { listEnvelope } from './envelope';

export const AuditRecordSchema = AuditEntrySchema.extend({ id: z.string().describe('the stream entry id (time-ordered)') }).meta({ id: 'AuditRecord' });
export const AuditPageSchema = listEnvelope(AuditRecordSchema);

export const AuditVerificationSchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  firstId: z.string().nullable(),
  lastId: z.string().nullable(),
  broken: z.object({ id: z.string(), reason: z.string() }).nullable().describe('the first entry that breaks the chain'),
  anchoredAt: z.string().nullable().describe('the hash the oldest kept entry follows (older entries were removed by retention)'),
});
