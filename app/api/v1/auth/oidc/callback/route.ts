import { finishSignOn } from '@/lib/server/auth/oidc';
import { withRoute } from '@/lib/server/http/handler';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/auth/oidc/callback – where the provider sends the browser back: verifies, checks the
// allow-list and the role, opens the session and redirects to / (or to /login saying why not).
export const GET = withRoute(
  {
    permission: 'public',
    rateLimit: 'login',
    doc: { summary: 'Where the OpenID provider sends the browser back: opens the session and redirects to / (or to /login?sso=<reason>)', status: 303 },
  },
  ({ ctx, request }) => finishSignOn(ctx, request),
);
