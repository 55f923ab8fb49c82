import { ApiReference } from '@/components/api-docs/api-reference';
import { openApiDocument } from '@/lib/openapi/document';
import { requirePage } from '@/lib/server/auth/page-guard';

export const metadata = { title: 'API' };
export const dynamic = 'force-dynamic';

// The API reference, rendered from the generated OpenAPI document (the one /api/v1/openapi.json serves).
export default async function ApiDocsPage() {
  const access = await requirePage('system:read');
  if (!access.ok) return <p role="alert">{access.message}</p>;
  const doc = openApiDocument();
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">
        {doc.info.title} <span className="text-sm font-normal text-muted">v{doc.info.version}</span>
      </h1>
      <ApiReference doc={doc} />
    </div>
  );
}
