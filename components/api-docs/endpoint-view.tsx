import { SchemaView, typeLabel } from './schema-view';
import type { Endpoint } from './types';

// One operation: method and path, what it needs, its parameters, its body and its answers.

const METHOD_TONE: Record<string, string> = { get: 'text-ok border-ok/40', post: 'text-accent border-accent/40', delete: 'text-bad border-bad/40' };

export function EndpointView({ endpoint: { method, path, operation: op } }: { endpoint: Endpoint }) {
  const body = op.requestBody?.content?.['application/json']?.schema;
  return (
    <details id={op.operationId} className="rounded border border-border p-2" data-endpoint={`${method.toUpperCase()} ${path}`}>
      <summary className="cursor-pointer text-sm">
        <span className={`mr-2 inline-block w-16 rounded border px-1 text-center font-mono text-xs uppercase ${METHOD_TONE[method] ?? ''}`}>{method}</span>
        <code className="font-semibold">{path}</code> <span className="text-muted">— {op.summary}</span>
      </summary>
      <div className="mt-2 space-y-3 pl-2 text-sm">
        {op.description && <p>{op.description}</p>}
        <p className="text-xs text-muted">Needs: {op.security?.length === 0 ? 'nothing (public)' : <code>{op['x-permission']}</code>}</p>
        {op.parameters && op.parameters.length > 0 && (
          <table className="w-full text-left text-xs">
            <caption className="text-left font-semibold">Parameters</caption>
            <thead>
              <tr className="text-muted">
                <th scope="col">Name</th>
                <th scope="col">In</th>
                <th scope="col">Type</th>
                <th scope="col">About</th>
              </tr>
            </thead>
            <tbody>
              {op.parameters.map((p) => (
                <tr key={`${p.in}-${p.name}`} className="border-t border-border">
                  <td className="py-0.5 pr-2 font-mono">
                    {p.name}
                    {p.required ? '' : '?'}
                  </td>
                  <td className="pr-2">{p.in}</td>
                  <td className="pr-2 font-mono">{typeLabel(p.schema)}</td>
                  <td className="text-muted">{[p.description, p.schema?.default !== undefined ? `default ${JSON.stringify(p.schema.default)}` : ''].filter(Boolean).join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {body && (
          <div>
            <h4 className="text-xs font-semibold">Request body (JSON)</h4>
            <SchemaView schema={body} />
          </div>
        )}
        <div>
          <h4 className="text-xs font-semibold">Responses</h4>
          <ul className="space-y-1">
            {Object.entries(op.responses).map(([status, r]) => {
              const [type, media] = Object.entries(r.content ?? {})[0] ?? [];
              return (
                <li key={status}>
                  <code className={status.startsWith('2') ? 'text-ok' : 'text-muted'}>{status}</code>{' '}
                  {r.$ref ? <a href={`#response-${r.$ref.split('/').pop()}`} className="text-muted underline">{r.$ref.split('/').pop()}</a> : <span className="text-muted">{r.description}</span>}
                  {type && type !== 'application/json' && <code className="text-muted"> {type}</code>}
                  {media?.schema && type === 'application/json' && <SchemaView schema={media.schema} />}
                </li>
              );
            })}
          </ul>
        </div>
      </div>
    </details>
  );
}
