import { signOut } from '@/lib/server/auth/sign-in';
import { withRoute } from '@/lib/server/http/handler';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/auth/logout – ends the session (everywhere: it is kept in the store) and clears the cookies.
export const POST = withRoute({ permission: 'public' }, ({ ctx, request }) => signOut(ctx, request));
