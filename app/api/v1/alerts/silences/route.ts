import { CreateSilenceSchema, createSilence, listSilences } from '@/lib/server/alerts/alerts-api';
import { withRoute } from '@/lib/server/http/handler';
import { SilenceListSchema, SilenceViewSchema } from '@/lib/openapi/alert-responses';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/alerts/silences – silences, active first (expired ones for a day).
export const GET = withRoute({ permission: 'alerts:read', doc: { summary: 'Silences, active first', response: SilenceListSchema } }, async ({ ctx }) => ({
  items: await listSilences(ctx),
  nextCursor: null,
}));

// POST /api/v1/alerts/silences – mutes the incidents it matches until it expires.
export const POST = withRoute({ permission: 'alerts:act', body: CreateSilenceSchema, doc: { summary: 'Silence the incidents a match selects until it expires', response: SilenceViewSchema, status: 201 } }, async ({ ctx, body, principal }) =>
  Response.json(await createSilence(ctx, body, principal.id), { status: 201, headers: { 'cache-control': 'no-store' } }),
);
