import { SignInSchema, signIn } from '@/lib/server/auth/sign-in';
import { withRoute } from '@/lib/server/http/handler';
import { SignedInSchema } from '@/lib/schemas/responses/tokens';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/auth/login – sign in with a built-in user (TRELLIS_AUTH=password): sets the session cookies.
export const POST = withRoute({ permission: 'public', rateLimit: 'login', body: SignInSchema, doc: { summary: 'Sign in with a built-in user (TRELLIS_AUTH=password); sets the session cookies', response: SignedInSchema } }, ({ ctx, request, body }) => signIn(ctx, request, body));
