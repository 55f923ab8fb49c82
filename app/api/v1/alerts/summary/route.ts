import { firingCount } from '@/lib/server/alerts/alerts-api';
import { withRoute } from '@/lib/server/http/handler';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/alerts/summary – how many incidents fire unacknowledged (the header badge).
export const GET = withRoute({ permission: 'alerts:read' }, ({ ctx }) => firingCount(ctx));
