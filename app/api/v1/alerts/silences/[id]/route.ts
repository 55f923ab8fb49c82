import { z } from 'zod';
import { expireSilence } from '@/lib/server/alerts/alerts-api';
import { withRoute } from '@/lib/server/http/handler';
import { SilenceViewSchema } from '@/lib/openapi/alert-responses';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// DELETE /api/v1/alerts/silences/{id} – unsilence: ends the silence now (listed as expired for a day).
export const DELETE = withRoute({ permission: 'alerts:act', params: z.object({ id: z.string().min(1).max(100) }), doc: { summary: 'Unsilence: end a silence now', response: SilenceViewSchema } }, ({ ctx, params }) => expireSilence(ctx, params.id));
