import { Card } from '@/components/ui/card';
import { EndpointView } from './endpoint-view';
import { SchemaView } from './schema-view';
import type { Endpoint, Operation, Schema } from './types';

// The API reference: the generated OpenAPI document, endpoints grouped by tag, then the named
// schemas and the error answers they link to. Plain server-rendered HTML: no script, no CDN.

export interface ApiDocument {
  info: { title: string; version: string; description?: string };
  tags?: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, { description?: string }> };
}

function endpointsByTag(doc: ApiDocument): Map<string, Endpoint[]> {
  const groups = new Map<string, Endpoint[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const op = operation as Operation;
      const tag = op.tags?.[0] ?? 'other';
      groups.set(tag, [...(groups.get(tag) ?? []), { method, path, operation: op }]);
    }
  }
  return groups;
}

export function ApiReference({ doc }: { doc: ApiDocument }) {
  const groups = endpointsByTag(doc);
  return (
    <div className="space-y-4">
      <p className="text-sm">{doc.info.description}</p>
      <p className="text-sm text-muted">
        Scripts send <code>Authorization: Bearer $TRELLIS_TOKEN</code> (create one under Settings or with <code>npm run trellis -- token create</code>). The document itself:{' '}
        <a href="/api/v1/openapi.json" className="underline">/api/v1/openapi.json</a>.
      </p>
      {(doc.tags ?? []).map((tag) => (
        <Card key={tag.name} title={tag.name}>
          <p className="mb-2 text-xs text-muted">{tag.description}</p>
          <div className="space-y-1">
            {(groups.get(tag.name) ?? []).map((e) => (
              <EndpointView key={`${e.method} ${e.path}`} endpoint={e} />
            ))}
          </div>
        </Card>
      ))}
      <Card title="Schemas">
        <div className="space-y-3">
          {Object.entries(doc.components.schemas).map(([name, schema]) => (
            <div key={name} id={`schema-${name}`}>
              <h3 className="font-mono text-sm font-semibold">{name}</h3>
              <SchemaView schema={schema as Schema} />
            </div>
          ))}
        </div>
      </Card>
      <Card title="Errors">
        <p className="mb-2 text-xs text-muted">
          Every error is <code>{'{"error": {"code", "message"}}'}</code>.
        </p>
        <ul className="text-sm">
          {Object.entries(doc.components.responses).map(([name, r]) => (
            <li key={name} id={`response-${name}`}>
              <code>{name}</code> <span className="text-muted">— {r.description}</span>
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
