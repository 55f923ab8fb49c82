import { listRules } from '@/lib/server/alerts/alerts-api';
import { withRoute } from '@/lib/server/http/handler';
import { RuleListSchema } from '@/lib/openapi/alert-responses';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/alerts/rules – every rule (defaults and the alerts file), its routing, and the channels (no secrets).
export const GET = withRoute({ permission: 'alerts:read', doc: { summary: 'Alert rules with their routing, and the channels (no secrets)', response: RuleListSchema } }, async ({ ctx }) => {
  const { rules, ...rest } = await listRules(ctx);
  return { items: rules, nextCursor: null, ...rest };
});
