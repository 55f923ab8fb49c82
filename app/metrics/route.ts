import { withRoute } from '@/lib/server/http/handler';
import { renderMetrics } from '@/lib/server/metrics/render-metrics';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /metrics – Prometheus text exposition: celery-exporter's, Flower's and Trellis' own families
// (TRELLIS_METRICS), served from the store so every replica answers the same.
export const GET = withRoute({ permission: 'system:read', doc: { summary: "Prometheus metrics: celery-exporter's, Flower's and Trellis' own families, served from the store", contentType: 'text/plain; version=0.0.4; charset=utf-8' } }, async ({ ctx, requestId }) => {
  const { contentType, body } = await renderMetrics(ctx);
  return new Response(body, { headers: { 'content-type': contentType, 'cache-control': 'no-store', 'x-request-id': requestId } });
});
