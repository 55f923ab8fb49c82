import { CreateSilenceSchema, createSilence, listSilences } from '@/lib/server/alerts/alerts-api';
import { withRoute } from '@/lib/server/http/handler';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/alerts/silences – silences, active first (expired ones for a day).
export const GET = withRoute({ permission: 'alerts:read' }, async ({ ctx }) => ({ items: await listSilences(ctx) }));

// POST /api/v1/alerts/silences – mutes the incidents it matches until it expires.
export const POST = withRoute({ permission: 'alerts:act', body: CreateSilenceSchema }, async ({ ctx, body, principal }) =>
  Response.json(await createSilence(ctx, body, principal.id), { status: 201, headers: { 'cache-control': 'no-store' } }),
);
