import { startSignOn } from '@/lib/server/auth/oidc';
import { withRoute } from '@/lib/server/http/handler';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/auth/oidc/start – redirects to the single sign-on provider (TRELLIS_AUTH=oidc).
export const GET = withRoute(
  { permission: 'public', rateLimit: 'login', doc: { summary: 'Start single sign-on (TRELLIS_AUTH=oidc): redirects to the OpenID provider', status: 303 } },
  ({ ctx, request }) => startSignOn(ctx, request),
);
