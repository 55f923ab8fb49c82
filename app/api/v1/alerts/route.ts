import { AlertFiltersSchema, listAlerts } from '@/lib/server/alerts/alerts-api';
import { withRoute } from '@/lib/server/http/handler';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/alerts – active incidents (pending, firing, acknowledged, silenced) and resolved history, filtered.
export const GET = withRoute({ permission: 'alerts:read', query: AlertFiltersSchema }, ({ ctx, query }) => listAlerts(ctx, query));
