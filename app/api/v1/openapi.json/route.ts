import { openApiDocument } from '@/lib/openapi/document';
import { withRoute } from '@/lib/server/http/handler';

export const runtime = 'nodejs';

// GET /api/v1/openapi.json – the OpenAPI 3.1 description of this API.
export const GET = withRoute({ permission: 'system:read' }, () => openApiDocument());
