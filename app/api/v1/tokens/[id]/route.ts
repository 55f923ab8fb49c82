import { z } from 'zod';
import { revokeToken } from '@/lib/server/auth/tokens';
import { withRoute } from '@/lib/server/http/handler';
import { TokenSchema } from '@/lib/schemas/responses/tokens';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// DELETE /api/v1/tokens/{id} – revokes a token at once (kept in the list, marked revoked).
export const DELETE = withRoute({ permission: 'admin', params: z.object({ id: z.string().regex(/^[0-9a-f]{32}$/, 'a token id') }), doc: { summary: 'Revoke a token at once (kept in the list, marked revoked)', response: TokenSchema } }, ({ ctx, params }) => revokeToken(ctx, params.id));
