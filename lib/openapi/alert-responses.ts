import { z } from 'zod';
import { IncidentSchema } from '@/lib/server/alerts/incident';
import { SilenceSchema } from '@/lib/server/alerts/silence';
import { listEnvelope } from '@/lib/schemas/responses/envelope';

// Response shapes of the alert endpoints, built on the zod schemas the alert store parses with
// (server modules, hence here and not in lib/schemas/responses/).

const IncidentStatus = z.enum(['pending', 'firing', 'acknowledged', 'silenced', 'resolved']);

export const IncidentViewSchema = IncidentSchema.extend({ status: IncidentStatus }).meta({ id: 'Incident' });

/** GET /api/v1/alerts: active incidents first, then a page of resolved history. */
export const AlertListSchema = listEnvelope(IncidentViewSchema).extend({
  counts: z.record(z.string(), z.number().int()).describe('active incidents by status'),
  evaluator: z.looseObject({}).nullable().describe("the evaluator's last cycle"),
  at: z.number(),
});

export const SilenceViewSchema = SilenceSchema.extend({ active: z.boolean(), matching: z.number().int().describe('active incidents it mutes now') }).meta({ id: 'Silence' });
export const SilenceListSchema = listEnvelope(SilenceViewSchema);

export const AlertSummarySchema = z.object({ firing: z.number().int(), critical: z.number().int(), at: z.number().nullable() });

const ChannelSchema = z.looseObject({ id: z.string(), type: z.string() }).describe('a channel, secrets redacted');

export const RuleListSchema = z.object({
  items: z.array(z.looseObject({ id: z.string(), type: z.string() })).describe('every rule with its routing'),
  nextCursor: z.null(),
  channels: z.array(ChannelSchema),
  source: z.string().nullable(),
  repeatIntervalSeconds: z.number(),
});

export const ChannelTestSchema = z.object({ channel: ChannelSchema, result: z.looseObject({ deliveryId: z.string() }) });
