import type { Schema } from './types';

// A JSON Schema as a type line and, for objects, a nested list of its fields. Named schemas are
// links to their definition at the foot of the page (so TaskSummary is expanded once).

const refName = (ref: string) => ref.split('/').pop() ?? ref;

/** A short type: `string`, `integer ≤ 500`, `TaskSummary[]`, `"desc" | "asc"`, `string | null`. */
export function typeLabel(s: Schema | undefined): string {
  if (!s) return 'any';
  if (s.$ref) return refName(s.$ref);
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = s.anyOf ?? s.oneOf;
  if (union) return union.map(typeLabel).join(' | ');
  if (s.allOf) return s.allOf.map(typeLabel).join(' & ');
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length === 0) return s.properties ? 'object' : 'any';
  return types.map((t) => (t === 'array' ? `${typeLabel(s.items)}[]` : t === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object' ? `map of ${typeLabel(s.additionalProperties)}` : t)).join(' | ');
}

function constraints(s: Schema): string {
  const parts = [
    s.minimum !== undefined ? `≥ ${s.minimum}` : '',
    s.maximum !== undefined ? `≤ ${s.maximum}` : '',
    s.maxLength !== undefined ? `≤ ${s.maxLength} chars` : '',
    s.default !== undefined ? `default ${JSON.stringify(s.default)}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/** The fields of an object schema (or of the object inside an array), nested up to `depth`. */
export function SchemaView({ schema, depth = 0 }: { schema: Schema | undefined; depth?: number }) {
  if (!schema) return null;
  const target = schema.type === 'array' && schema.items && !schema.items.$ref ? schema.items : schema;
  const props = target.properties;
  return (
    <div className="text-xs">
      {depth === 0 && <TypeRef schema={schema} />}
      {props && depth < 4 && (
        <ul className="ml-3 mt-1 space-y-0.5 border-l border-border pl-3">
          {Object.entries(props).map(([name, p]) => (
            <li key={name}>
              <code className="font-semibold">{name}</code>
              {!target.required?.includes(name) && <span className="text-muted">?</span>} <TypeRef schema={p} />
              {constraints(p) && <span className="text-muted"> ({constraints(p)})</span>}
              {p.description && <span className="text-muted"> — {p.description}</span>}
              {!p.$ref && <SchemaView schema={p} depth={depth + 1} />}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function TypeRef({ schema }: { schema: Schema }) {
  const label = typeLabel(schema);
  const ref = schema.$ref ?? schema.items?.$ref;
  if (ref) return <a href={`#schema-${refName(ref)}`} className="font-mono text-accent underline">{label}</a>;
  return <span className="font-mono text-muted">{label}</span>;
}
