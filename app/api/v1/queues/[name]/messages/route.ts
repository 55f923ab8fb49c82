import { z } from 'zod';
import { viewFor } from '@/lib/server/auth/redact-view';
import { withRoute } from '@/lib/server/http/handler';
import { PEEK_MAX_LIMIT, PEEK_MAX_OFFSET, peekMessages } from '@/lib/server/queues/peek';
import { PeekPageSchema } from '@/lib/schemas/responses/queues';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Params = z.object({ name: z.string().min(1).max(500) });
const Query = z.object({
  offset: z.coerce.number().int().min(0).max(PEEK_MAX_OFFSET).default(0),
  limit: z.coerce.number().int().min(1).max(PEEK_MAX_LIMIT).default(20),
});

// GET /api/v1/queues/{name}/messages – waiting messages, next to run first, decoded (read-only peek);
// offset ≤ 10,000 (beyond: 422 INVALID_INPUT).
export const GET = withRoute({ permission: 'queues:read', params: Params, query: Query, doc: { summary: 'Waiting messages, next to run first, decoded and redacted (read-only peek)', response: PeekPageSchema } }, ({ ctx, params, query, principal }) =>
  peekMessages(ctx, params.name, query.offset, query.limit, viewFor(principal, ctx.config)),
);
