import { z } from 'zod';
import { AlertFiltersSchema, listAlerts } from '@/lib/server/alerts/alerts-api';
import { withRoute } from '@/lib/server/http/handler';
import { AlertListSchema } from '@/lib/openapi/alert-responses';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// `cursor` (the previous page's nextCursor) is the one paging parameter of every list; `before` stays for old scripts.
const Query = AlertFiltersSchema.extend({ cursor: z.coerce.number().optional().describe('the nextCursor of the previous page (a resolve time)') });

// GET /api/v1/alerts – active incidents (pending, firing, acknowledged, silenced) and resolved history, filtered.
export const GET = withRoute(
  { permission: 'alerts:read', query: Query, doc: { summary: 'Incidents: active first, then a page of resolved history', response: AlertListSchema } },
  async ({ ctx, query: { cursor, ...filters } }) => {
    const { active, history, nextBefore, ...rest } = await listAlerts(ctx, { ...filters, before: cursor ?? filters.before });
    return { items: [...active, ...history], nextCursor: nextBefore === null ? null : String(nextBefore), ...rest };
  },
);
