import { signOut } from '@/lib/server/auth/sign-out';
import { withRoute } from '@/lib/server/http/handler';
import { SignedOutSchema } from '@/lib/schemas/responses/system';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/auth/logout – ends the session (everywhere: it is kept in the store) and clears the cookies; a single sign-on session also gets the provider's end-session URL.
export const POST = withRoute({ permission: 'public', doc: { summary: 'Sign out: ends the session everywhere and clears the cookies', response: SignedOutSchema } }, ({ ctx, request }) => signOut(ctx, request));
