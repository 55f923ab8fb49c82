import { withRoute } from '@/lib/server/http/handler';
import { OpenApiDocumentSchema } from '@/lib/schemas/responses/system';

export const runtime = 'nodejs';

// GET /api/v1/openapi.json – the OpenAPI 3.1 description of this API. Imported when called: the
// document imports every route module, this one included.
export const GET = withRoute({ permission: 'system:read', doc: { summary: 'This OpenAPI 3.1 document', response: OpenApiDocumentSchema } }, async () =>
  (await import('@/lib/openapi/document')).openApiDocument(),
);
