import { withRoute } from '@/lib/server/http/handler';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /healthcheck – Flower-compatible: "OK" while Trellis serves (GET /api/v1/health has the details).
// Public, as Flower's: load balancers and liveness probes carry no token, and it reveals nothing.
export const GET = withRoute({ permission: 'public', doc: { summary: 'Flower-compatible: OK while Trellis serves', contentType: 'text/plain; charset=utf-8' } }, ({ requestId }) => {
  return new Response('OK', { headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-request-id': requestId } });
});
