import { z } from 'zod';

// zod → JSON Schema 2020-12 (what OpenAPI 3.1 uses). Named schemas (`.meta({ id })`) are hoisted
// into components.schemas and referenced, so TaskSummary is described once, not in every path.

export type JsonSchema = Record<string, unknown>;

/** `io: 'input'` for what a client sends (before transforms and defaults), 'output' for answers. */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  const { $schema: _dialect, $defs, ...rest } = json;
  for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) components[id] = relink(def) as JsonSchema;
  return relink(rest) as JsonSchema;
}

function relink(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relink);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : relink(v)]),
  );
}
