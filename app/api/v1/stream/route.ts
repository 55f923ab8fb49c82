import { withRoute } from '@/lib/server/http/handler';
import { viewFor } from '@/lib/server/auth/redact-view';
import { sseResponse } from '@/lib/server/live/sse';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/stream – server-sent events: `update` (an UpdateNotice after each collector flush),
// `resync` (refetch: updates were dropped), `ready`; resumable with Last-Event-ID.
export const GET = withRoute({ permission: 'tasks:read', doc: { summary: 'Server-sent events: `update` after each collector flush, `resync`, `ready`; resumable with Last-Event-ID', contentType: 'text/event-stream' } }, ({ ctx, request, principal }) => sseResponse(ctx, request, viewFor(principal, ctx.config)));
