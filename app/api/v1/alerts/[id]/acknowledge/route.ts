import { z } from 'zod';
import { AcknowledgeSchema, acknowledgeIncident } from '@/lib/server/alerts/alerts-api';
import { withRoute } from '@/lib/server/http/handler';
import { IncidentViewSchema } from '@/lib/openapi/alert-responses';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/alerts/{id}/acknowledge – stops the repeats of a firing incident and tells its channels.
export const POST = withRoute(
  { permission: 'alerts:act', params: z.object({ id: z.string().min(1).max(100) }), body: AcknowledgeSchema, doc: { summary: 'Acknowledge a firing incident: stops its repeats and tells its channels', response: IncidentViewSchema } },
  ({ ctx, params, body, principal }) => acknowledgeIncident(ctx, params.id, principal.id, body.note),
);
