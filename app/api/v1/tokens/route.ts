import { CreateTokenSchema, createToken, listTokens } from '@/lib/server/auth/tokens';
import { withRoute } from '@/lib/server/http/handler';
import { CreatedTokenSchema, TokenListSchema } from '@/lib/schemas/responses/tokens';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/tokens – API tokens (never their secret): name, role, expiry, last use, status.
export const GET = withRoute({ permission: 'admin', doc: { summary: 'API tokens (never their secret): name, role, expiry, last use, status', response: TokenListSchema } }, async ({ ctx }) => ({ items: await listTokens(ctx), nextCursor: null }));

// POST /api/v1/tokens – creates a token; the token itself is in this answer only.
export const POST = withRoute({ permission: 'admin', body: CreateTokenSchema, doc: { summary: 'Create a token; the token itself is in this answer only', response: CreatedTokenSchema, status: 201 } }, async ({ ctx, body, principal }) =>
  Response.json(await createToken(ctx, body, principal.id), { status: 201, headers: { 'cache-control': 'no-store' } }),
);
