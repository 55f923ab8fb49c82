import { z } from 'zod';
import { testChannel } from '@/lib/server/alerts/alerts-api';
import { withRoute } from '@/lib/server/http/handler';
import { ChannelTestSchema } from '@/lib/openapi/alert-responses';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// POST /api/v1/alerts/channels/{id}/test – sends a test notification to one channel and says how it went.
export const POST = withRoute({ permission: 'alerts:act', params: z.object({ id: z.string().min(1).max(100) }), doc: { summary: 'Send a test notification to one channel', response: ChannelTestSchema } }, ({ ctx, params }) => testChannel(ctx, params.id));
