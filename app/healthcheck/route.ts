import { withRoute } from '@/lib/server/http/handler';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /healthcheck – Flower-compatible: "OK" while Trellis serves (GET /api/v1/health has the details).
export const GET = withRoute({ permission: 'system:read', doc: { summary: 'Flower-compatible: OK while Trellis serves', contentType: 'text/plain; charset=utf-8' } }, ({ requestId }) => {
  return new Response('OK', { headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-request-id': requestId } });
});
