import { listRules } from '@/lib/server/alerts/alerts-api';
import { withRoute } from '@/lib/server/http/handler';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/alerts/rules – every rule (defaults and the alerts file), its routing, and the channels (no secrets).
export const GET = withRoute({ permission: 'alerts:read' }, ({ ctx }) => listRules(ctx));
