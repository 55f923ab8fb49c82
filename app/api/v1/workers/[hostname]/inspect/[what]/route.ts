import { z } from 'zod';
import { withRoute } from '@/lib/server/http/handler';
import { viewFor } from '@/lib/server/auth/redact-view';
import { InspectCommandSchema, inspectWorker, NodeNameSchema } from '@/lib/server/inspect/inspect';
import { InspectReplySchema } from '@/lib/schemas/responses/system';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Params = z.object({ hostname: NodeNameSchema, what: InspectCommandSchema });
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const list = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : v.split(',')).filter(Boolean));
const Query = z.object({ safe: bool.optional(), with_defaults: bool.optional(), ids: list.optional(), taskinfoitems: list.optional() }).strict();

// GET /api/v1/workers/{hostname}/inspect/{what} – one read-only inspect command to one worker.
// `{"status": "no-reply"}` means it did not answer in time (a busy solo worker cannot); 404 for a
// worker Trellis knows nothing of (nothing published); 503 when too many rounds run at once.
export const GET = withRoute({ permission: 'workers:read', params: Params, query: Query, doc: { summary: 'One read-only inspect command to one worker (`{"status": "no-reply"}` when it does not answer in time)', response: InspectReplySchema } }, ({ ctx, params, query, principal }) => {
  const args = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
  return inspectWorker(ctx, params.hostname, params.what, args, viewFor(principal, ctx.config));
});
