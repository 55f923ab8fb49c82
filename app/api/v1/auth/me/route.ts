import { whoAmI } from '@/lib/server/auth/sign-in';
import { withRoute } from '@/lib/server/http/handler';
import { WhoAmISchema } from '@/lib/schemas/responses/system';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/auth/me – who this request is (null when not signed in) and the auth mode.
export const GET = withRoute({ permission: 'public', doc: { summary: 'Who this request is (null when not signed in) and the auth mode', response: WhoAmISchema } }, ({ ctx, request }) => whoAmI(ctx, request));
