import { firingCount } from '@/lib/server/alerts/alerts-api';
import { withRoute } from '@/lib/server/http/handler';
import { AlertSummarySchema } from '@/lib/openapi/alert-responses';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/alerts/summary – how many incidents fire unacknowledged (the header badge).
export const GET = withRoute({ permission: 'alerts:read', doc: { summary: 'How many incidents fire unacknowledged', response: AlertSummarySchema } }, ({ ctx }) => firingCount(ctx));
